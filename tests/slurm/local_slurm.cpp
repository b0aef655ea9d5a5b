#include "tests/slurm/local_slurm.h"

#include <fmt/core.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "slurm/command_runner.h"

namespace vdit::testing {
namespace {

namespace fs = std::filesystem;
using slurm::CommandResult;
using slurm::run_command;

std::string read(const fs::path& path) {
  std::stringstream text;
  text << std::ifstream(path).rdbuf();
  return text.str();
}

pid_t pid_in(const fs::path& pid_file) {
  std::ifstream in(pid_file);
  pid_t pid = 0;
  in >> pid;
  return pid;
}

bool alive(pid_t pid) { return pid > 0 && kill(pid, 0) == 0; }

template <class Condition>
bool wait_until(Condition condition, double seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return condition();
}

void stop_pid(pid_t pid) {
  if (!alive(pid)) return;
  kill(pid, SIGTERM);
  if (!wait_until([&] { return !alive(pid); }, 10)) kill(pid, SIGKILL);
}

std::string short_hostname() {
  char name[256] = {};
  gethostname(name, sizeof name - 1);
  std::string host = name;
  return host.substr(0, host.find('.'));
}

// The working single-node config of ../shared/ENVIRONMENT.md, with the state in `folder`,
// ports of our own, and 8 CPUs claimed on this 2-core machine (config_overrides) so a few
// 2-task jobs run side by side, and a short KillWait so cancelled jobs end quickly.
std::string slurm_conf(const fs::path& folder, int port) {
  const std::string host = short_hostname();
  const std::string d = folder.string();
  return fmt::format(
      "ClusterName=vdit-test\nSlurmctldHost={host}\nSlurmUser=root\nSlurmdUser=root\n"
      "AuthType=auth/munge\nCredType=cred/munge\nAuthInfo=socket={d}/munge/munge.socket\n"
      "StateSaveLocation={d}/state\nSlurmdSpoolDir={d}/spool\n"
      "SlurmctldPidFile={d}/slurmctld.pid\nSlurmdPidFile={d}/slurmd.pid\n"
      "SlurmctldLogFile={d}/log/slurmctld.log\nSlurmdLogFile={d}/log/slurmd.log\n"
      "SlurmctldPort={ctld}\nSlurmdPort={slurmd}\n"
      "ProctrackType=proctrack/linuxproc\nTaskPlugin=task/none\nSelectType=select/cons_tres\n"
      "SelectTypeParameters=CR_Core\nMpiDefault=none\nJobCompType=jobcomp/none\n"
      "JobAcctGatherType=jobacct_gather/none\nAccountingStorageType=accounting_storage/none\n"
      "ReturnToService=2\nSlurmdParameters=config_overrides\nKillWait=10\n"
      "NodeName={host} CPUs=8 Boards=1 SocketsPerBoard=1 CoresPerSocket=8 ThreadsPerCore=1 "
      "RealMemory=8000 State=UNKNOWN\n"
      "PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP\n",
      fmt::arg("host", host), fmt::arg("d", d), fmt::arg("ctld", port),
      fmt::arg("slurmd", port + 1));
}

bool port_free(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_ANY);
  address.sin_port = htons(static_cast<uint16_t>(port));
  const bool free = bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  close(fd);
  return free;
}

// Two free neighbouring ports (slurmctld, slurmd), starting from one of this process's.
int free_port_pair() {
  for (int port = 20000 + static_cast<int>(getpid() % 5000) * 2; port < 65000; port += 2) {
    if (port_free(port) && port_free(port + 1)) return port;
  }
  return 16817;
}

}  // namespace

std::unique_ptr<LocalSlurm> LocalSlurm::start(std::string* why_not) {
  if (geteuid() != 0) {
    *why_not = "the local Slurm runs its daemons as root (SlurmUser=root); this is not root";
    return nullptr;
  }
  for (const char* daemon : {"/usr/sbin/munged", "/usr/sbin/slurmctld", "/usr/sbin/slurmd"}) {
    if (!fs::exists(daemon)) {
      *why_not = fmt::format("{} is not installed (scripts/setup installs slurmctld slurmd "
                             "slurm-client munge)",
                             daemon);
      return nullptr;
    }
  }
  char pattern[] = "/tmp/vdit-slurm-XXXXXX";
  if (mkdtemp(pattern) == nullptr) {
    *why_not = "cannot create a temporary folder";
    return nullptr;
  }
  std::unique_ptr<LocalSlurm> slurm(new LocalSlurm(pattern));
  const fs::path& d = slurm->folder_;
  for (const char* sub : {"state", "spool", "log", "munge"}) fs::create_directories(d / sub);
  fs::permissions(d, fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
  fs::permissions(d / "munge", fs::perms::owner_all | fs::perms::group_exec |
                                   fs::perms::others_exec);
  {
    std::random_device random;
    std::ofstream key(d / "munge/munge.key", std::ios::binary);
    for (int i = 0; i < 128; ++i) key.put(static_cast<char>(random() & 0xff));
  }
  fs::permissions(d / "munge/munge.key", fs::perms::owner_read);
  const std::string m = (d / "munge").string();
  const CommandResult munge = run_command(
      {"/usr/sbin/munged",
       {"--force", "--socket=" + m + "/munge.socket", "--key-file=" + m + "/munge.key",
        "--pid-file=" + m + "/munged.pid", "--log-file=" + m + "/munged.log",
        "--seed-file=" + m + "/munged.seed"}});
  if (!munge.ok()) {
    *why_not = fmt::format("munged did not start: {} {}", munge.message(), read(m + "/munged.log"));
    return nullptr;
  }
  // Ports of this process, so a leftover of an earlier run cannot answer for us.
  const int port = free_port_pair();
  const fs::path conf = d / "slurm.conf";
  std::ofstream(conf) << slurm_conf(d, port);
  setenv("SLURM_CONF", conf.c_str(), 1);
  for (const char* daemon : {"/usr/sbin/slurmctld", "/usr/sbin/slurmd"}) {
    const CommandResult started = run_command({daemon, {"-f", conf.string()}});
    if (!started.ok()) {
      *why_not = fmt::format("{} did not start: {}\n{}\n{}", daemon, started.message(),
                             read(d / "log/slurmctld.log"), read(d / "log/slurmd.log"));
      return nullptr;  // the destructor stops what did start
    }
  }
  const bool idle = wait_until(
      [] {
        const CommandResult info = run_command({"sinfo", {"-h", "-o", "%T"}});
        return info.ok() && info.out.find("idle") != std::string::npos;
      },
      30);
  if (!idle) {
    *why_not = fmt::format("the node did not become idle within 30 s:\n{}\n{}",
                           read(d / "log/slurmctld.log"), read(d / "log/slurmd.log"));
    return nullptr;
  }
  return slurm;
}

LocalSlurm::~LocalSlurm() {
  const fs::path& d = folder_;
  if (alive(pid_in(d / "slurmctld.pid"))) {
    // Jobs first, so no slurmstepd or vdit outlives the daemons.
    const CommandResult jobs = run_command({"squeue", {"-h", "-o", "%i"}});
    std::istringstream ids(jobs.out);
    for (std::string id; ids >> id;) run_command({"scancel", {id}});
    wait_until(
        [] {
          const CommandResult left = run_command({"squeue", {"-h", "-o", "%i"}});
          return !left.ok() || left.out.empty();
        },
        30);
  }
  stop_pid(pid_in(d / "slurmd.pid"));
  stop_pid(pid_in(d / "slurmctld.pid"));
  stop_pid(pid_in(d / "munge/munged.pid"));
  if (std::getenv("VDIT_KEEP_SLURM") == nullptr) {
    std::error_code ignored;
    fs::remove_all(d, ignored);
  } else {
    fmt::print("vdit tests: kept the local Slurm's folder {}\n", d.string());
  }
}

}  // namespace vdit::testing
