#!/bin/bash
# vdit where ranks share no memory: two network namespaces joined by a veth pair stand for two
# nodes, Open MPI uses its TCP transport only, and the coordinator + one worker run in the first,
# the other worker in the second. The losses of every step must equal those of the same run on
# shared memory. Exits 77 (ctest: skipped, with the reason printed) where namespaces cannot be
# made (not root, no CAP_SYS_ADMIN, no veth).
# usage: two_namespaces_test.sh VDIT_BINARY
set -euo pipefail
vdit="$1"
work=$(mktemp -d "${TMPDIR:-/tmp}/vdit-netns.XXXXXX")
a="vdit-a-$$" b="vdit-b-$$"
# Addresses that exist only inside the two namespaces.
subnet=10.$((200 + $$ % 50)).$(($$ % 250))
host_a="$subnet.1" host_b="$subnet.2"
cleanup() {
  ip netns del "$a" 2>/dev/null || true
  ip netns del "$b" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
skip() { echo "skipped: $*"; exit 77; }

[[ $(id -u) -eq 0 ]] || skip "network namespaces need root"
command -v ip >/dev/null || skip "no ip command (iproute2)"
ip netns add "$a" 2>/dev/null || skip "cannot create a network namespace here"
ip netns add "$b"
ip link add "veth-$$-a" type veth peer name "veth-$$-b" 2>/dev/null || skip "cannot create a veth pair"
ip link set "veth-$$-a" netns "$a"
ip link set "veth-$$-b" netns "$b"
ip -n "$a" addr add "$host_a/24" dev "veth-$$-a"
ip -n "$b" addr add "$host_b/24" dev "veth-$$-b"
for ns in "$a" "$b"; do
  ip -n "$ns" link set lo up
done
ip -n "$a" link set "veth-$$-a" up
ip -n "$b" link set "veth-$$-b" up

# mpirun starts its daemon on the "remote" host through this agent instead of ssh: the command
# runs in that host's namespace. It leaves a mark so the test knows a rank really ran there.
cat > "$work/netns-rsh" <<AGENT
#!/bin/bash
host="\$1"; shift
case "\$host" in
  $host_a) ns=$a ;;
  $host_b) ns=$b; touch "$work/launched-in-second-namespace" ;;
  *) echo "netns-rsh: unknown host \$host" >&2; exit 1 ;;
esac
exec ip netns exec "\$ns" /bin/bash -c "\$*"
AGENT
chmod +x "$work/netns-rsh"

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1
run=(train --set parallel.dp=2 --set training.steps=6 --set training.log_every=1
     --set model.hidden_size=24 --set model.depth=1 --set model.num_heads=2
     --set 'data.synthetic_buckets=["4x32x32"]' --set data.synthetic_clips_per_bucket=8)
mpirun --oversubscribe -np 3 "$vdit" "${run[@]}" --run-dir "$work/shared" > "$work/shared.log" 2>&1 ||
  { cat "$work/shared.log"; echo "FAILED: the shared-memory run"; exit 1; }
ip netns exec "$a" mpirun --oversubscribe --host "$host_a:2,$host_b:1" -np 3 \
  --mca plm_rsh_agent "$work/netns-rsh" --mca btl tcp,self \
  --mca btl_tcp_if_include "$subnet.0/24" --mca oob_tcp_if_include "$subnet.0/24" \
  "$vdit" "${run[@]}" --run-dir "$work/split" > "$work/split.log" 2>&1 ||
  { cat "$work/split.log"; echo "FAILED: the run over two namespaces"; exit 1; }

[[ -e $work/launched-in-second-namespace ]] ||
  { cat "$work/split.log"; echo "FAILED: no rank was started in the second namespace"; exit 1; }
losses() { grep -o '"loss":[^,]*' "$1/metrics.jsonl"; }
if [[ "$(losses "$work/shared")" != "$(losses "$work/split")" ]]; then
  echo "FAILED: the losses differ"
  paste <(losses "$work/shared") <(losses "$work/split"); exit 1
fi
[[ $(losses "$work/split" | wc -l) -eq 6 ]] || { echo "FAILED: expected 6 logged steps"; exit 1; }
echo "ok: 6 steps over TCP between two namespaces ($host_a, $host_b) have the shared-memory losses"
losses "$work/split" | tr '\n' ' '; echo
