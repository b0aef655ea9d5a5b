// [slurm] + flags -> JobSpec: defaults, the flag winning, and errors naming where a value came from.
#include "slurm/job_spec.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace vdit::slurm {
namespace {

// The InputError message of resolving `section` with `flags`, or "" if it resolved.
std::string error_of(SlurmConfig section, const SubmitFlags& flags) {
  try {
    resolve_job_spec(section, flags, "run.toml");
  } catch (const InputError& error) {
    return error.what();
  }
  return "";
}

TEST(JobSpec, DefaultsGiveOneCpuWorkerAndTheUsr2Warning) {
  SlurmConfig section;
  const JobSpec spec = resolve_job_spec(section, {}, "run.toml");
  EXPECT_EQ(spec.workers_per_node, 1);
  EXPECT_EQ(spec.tasks(), 2);
  EXPECT_EQ(spec.signal, "USR2");
  EXPECT_EQ(spec.signal_lead_s, 120);
  EXPECT_EQ(spec.max_requeues, 3);
  EXPECT_EQ(spec.launcher, Launcher::kSrun);
  EXPECT_FALSE(spec.time_limit_s);
}

TEST(JobSpec, WorkersPerNodeDefaultsToTheGpusPerNode) {
  SlurmConfig section;
  section.nodes = 2;
  section.gpus_per_node = 4;
  const JobSpec spec = resolve_job_spec(section, {}, "run.toml");
  EXPECT_EQ(spec.workers(), 8);
  EXPECT_EQ(spec.tasks(), 9);
}

TEST(JobSpec, FlagWinsOverTheConfigAndIsWrittenBack) {
  SlurmConfig section;
  section.partition = "from-config";
  section.nodes = 3;
  const JobSpec spec =
      resolve_job_spec(section, {{"partition", "from-flag"}, {"signal", "sigusr1"}}, "run.toml");
  EXPECT_EQ(spec.partition, "from-flag");
  EXPECT_EQ(section.partition, "from-flag");  // the resolved config records what was submitted
  EXPECT_EQ(spec.nodes, 3);
  EXPECT_EQ(spec.signal, "USR1");
}

TEST(JobSpec, ErrorNamesTheFlagWhenTheValueCameFromOne) {
  EXPECT_EQ(error_of({}, {{"nodes", "abc"}}), "--nodes: found 'abc', expected a whole number");
  EXPECT_EQ(error_of({}, {{"nodes", "0"}}), "--nodes: found 0, expected 1 to 100000");
  EXPECT_EQ(error_of({}, {{"launcher", "ssh"}}), "--launcher: found 'ssh', expected srun or mpirun");
}

TEST(JobSpec, ErrorNamesTheConfigFieldWhenTheValueCameFromTheFile) {
  SlurmConfig section;
  section.cpus_per_worker = 0;
  EXPECT_EQ(error_of(section, {}), "run.toml: slurm.cpus_per_worker: found 0, expected 1 to 1024");
}

TEST(JobSpec, RefusesMoreWorkersThanGpus) {
  SlurmConfig section;
  section.gpus_per_node = 2;
  section.workers_per_node = 3;
  EXPECT_NE(error_of(section, {}).find("slurm.workers_per_node: found 3, expected 1 to 2"),
            std::string::npos)
      << error_of(section, {});
}

TEST(JobSpec, RefusesMalformedOrTooShortTimeLimits) {
  EXPECT_NE(error_of({}, {{"time", "2h"}}).find("--time: found '2h', expected a Slurm time limit"),
            std::string::npos);
  EXPECT_NE(error_of({}, {{"time", "0:30"}}).find("expected at least 1 minute"), std::string::npos);
}

TEST(JobSpec, RefusesALeadThatIsNotShorterThanTheTimeLimit) {
  const std::string error = error_of({}, {{"time", "2"}, {"signal_lead", "120"}});
  EXPECT_NE(error.find("--signal-lead: found 120 s, expected less than the time limit 00:02:00"),
            std::string::npos)
      << error;
}

TEST(JobSpec, RefusesSignalsVditDoesNotSaveOn) {
  EXPECT_NE(error_of({}, {{"signal", "KILL"}}).find("expected USR2 or USR1"), std::string::npos);
  EXPECT_NE(error_of({}, {{"signal", "TERM"}}).find("expected USR2 or USR1"), std::string::npos);
}

TEST(JobSpec, RefusesNamesThatCouldBreakASbatchLine) {
  for (const char* name : {"gpu a", "a#b", "$(x)", "a\nb", "it's", "a;b"}) {
    for (const char* field : {"partition", "account", "qos", "constraint"}) {
      EXPECT_NE(error_of({}, {{field, name}}).find("is not allowed"), std::string::npos)
          << field << " = " << name;
    }
  }
  EXPECT_EQ(error_of({}, {{"constraint", "a100&ib|[rack1*2]"}, {"partition", "gpu,gpu-long"}}), "");
}

TEST(JobSpec, RefusesAnUnknownFlagField) {
  EXPECT_EQ(error_of({}, {{"gpus", "4"}}), "--gpus: not a [slurm] field");
}

TEST(JobSpec, RunMustFitTheJobsWorkers) {
  RunConfig config;
  config.source = "run.toml";
  config.parallel.dp = 2;
  SlurmConfig section;
  section.nodes = 3;
  const SubmitFlags flags = {{"nodes", "3"}};
  const JobSpec spec = resolve_job_spec(section, flags, "run.toml");
  try {
    check_run_fits_job(config, spec, flags);
    FAIL() << "no error";
  } catch (const InputError& error) {
    EXPECT_NE(std::string(error.what())
                  .find("dp(2) x sp(1) x tp(1) = 2 worker ranks, but the job has 3 nodes x 1 "
                        "workers per node = 3 workers (--nodes / run.toml: slurm.workers_per_node)"),
              std::string::npos)
        << error.what();
  }
}

TEST(JobSpec, GpuJobMustTrainOnCuda) {
  RunConfig config;
  config.source = "run.toml";
  config.parallel.dp = 4;
  SlurmConfig section;
  section.gpus_per_node = 4;
  const JobSpec spec = resolve_job_spec(section, {}, "run.toml");
  EXPECT_THROW(check_run_fits_job(config, spec, {}), InputError);
  config.training.device = "cuda";
  EXPECT_NO_THROW(check_run_fits_job(config, spec, {}));
}

}  // namespace
}  // namespace vdit::slurm
