#!/usr/bin/env bash
# A one-node SLURM cluster on localhost for the workflow's SLURM test (Debian packages, no systemd).
#
#   tests/slurm/local_slurm.sh start    install (if needed), configure and start munged, slurmctld, slurmd;
#                                       wait until the node is idle and `srun hostname` works
#   tests/slurm/local_slurm.sh stop     cancel queued jobs, stop the daemons through their PID files
#   tests/slurm/local_slurm.sh status   print the daemons' state; exit 0 only if the cluster is usable
#
# Needs root (it installs packages and writes /etc/slurm/slurm.conf).
# Exit codes: 0 ok, 1 failure, 2 usage, 3 not root, 4 packages could not be installed.
# No accounting daemon (slurmdbd): `sacct` does not work here, so Snakemake's SLURM executor must query
# job states with squeue (see docs/slurm.md); MinJobAge keeps finished jobs visible to squeue.
set -euo pipefail

readonly SLURM_CONF=/etc/slurm/slurm.conf
readonly CTLD_PIDFILE=/var/spool/slurmctld/slurmctld.pid
readonly SLURMD_PIDFILE=/var/spool/slurmd/slurmd.pid
readonly MUNGE_PIDFILE=/run/munge/munged.pid
readonly SLURM_LOGDIR=/var/log/slurm
readonly READY_TIMEOUT_S=${LOCAL_SLURM_READY_TIMEOUT:-60}
readonly STOP_TIMEOUT_S=${LOCAL_SLURM_STOP_TIMEOUT:-15}
readonly PIDFILE_TIMEOUT_S=${LOCAL_SLURM_PIDFILE_TIMEOUT:-20}
readonly PACKAGES=(slurmctld slurmd slurm-client munge)
readonly BINARIES=(/usr/sbin/slurmctld /usr/sbin/slurmd /usr/sbin/munged /usr/bin/munge /usr/bin/unmunge
    /usr/bin/sinfo /usr/bin/srun /usr/bin/squeue /usr/bin/scancel /usr/bin/scontrol /usr/bin/sbatch)

log() { printf '[local_slurm %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() {
    log "ERROR: $*"
    exit 1
}

require_root() {
    if [[ $(id -u) -ne 0 ]]; then
        log "not running as root (uid $(id -u)): installing packages and starting SLURM daemons needs root"
        exit 3
    fi
}

# --- processes --------------------------------------------------------------------------------------

# State letter of a process (R, S, D, Z, ...), empty if there is no such process.
proc_state() {
    local pid=$1
    [[ -r /proc/$pid/stat ]] || return 0
    # field 3 of /proc/PID/stat, after the parenthesised command name (which may contain spaces)
    sed -E 's/^[0-9]+ \(.*\) ([A-Za-z]).*/\1/' "/proc/$pid/stat" 2>/dev/null || true
}

# True if the process exists and is not a zombie (an exited daemon lingers as Z until reaped).
pid_alive() {
    local state
    state=$(proc_state "$1")
    [[ -n $state && $state != Z && $state != X ]]
}

# PID from a PID file if that process is alive and runs the expected program, else nothing.
daemon_pid() {
    local pidfile=$1 comm=$2 pid
    [[ -r $pidfile ]] || return 0
    pid=$(tr -dc '0-9' <"$pidfile")
    [[ -n $pid ]] || return 0
    if pid_alive "$pid" && [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$comm" ]]; then
        echo "$pid"
    fi
}

# Stop the daemon of a PID file: TERM, bounded wait, then KILL. Never by name.
stop_daemon() {
    local name=$1 pidfile=$2 pid waited=0
    pid=$(daemon_pid "$pidfile" "$name")
    if [[ -z $pid ]]; then
        log "$name: not running (no live process behind $pidfile)"
        rm -f "$pidfile"
        return 0
    fi
    log "$name: sending TERM to PID $pid"
    kill -TERM "$pid" 2>/dev/null || true
    while pid_alive "$pid" && ((waited < STOP_TIMEOUT_S * 5)); do
        sleep 0.2
        waited=$((waited + 1))
    done
    if pid_alive "$pid"; then
        log "$name: PID $pid still alive after ${STOP_TIMEOUT_S} s, sending KILL"
        kill -KILL "$pid" 2>/dev/null || true
        waited=0
        while pid_alive "$pid" && ((waited < 25)); do
            sleep 0.2
            waited=$((waited + 1))
        done
        pid_alive "$pid" && die "$name: PID $pid survived KILL (state $(proc_state "$pid"))"
    fi
    if [[ $(proc_state "$pid") == Z ]]; then
        log "$name: PID $pid exited (zombie until its parent reaps it)"
    else
        log "$name: stopped"
    fi
    rm -f "$pidfile"
}

# --- installation and configuration ---------------------------------------------------------------

binaries_present() {
    local b
    for b in "${BINARIES[@]}"; do
        [[ -x $b ]] || return 1
    done
}

install_packages() {
    if binaries_present; then
        log "SLURM and munge binaries present, skipping installation"
        return 0
    fi
    command -v apt-get >/dev/null || {
        log "apt-get not found: cannot install ${PACKAGES[*]}"
        exit 4
    }
    log "installing ${PACKAGES[*]} with apt-get (Debian packages)"
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get update -q >&2; then
        log "apt-get update failed (no network or no package mirror?)"
        exit 4
    fi
    if ! apt-get install -y -q --no-install-recommends "${PACKAGES[@]}" >&2; then
        log "apt-get install ${PACKAGES[*]} failed"
        exit 4
    fi
    binaries_present || die "packages installed but some of ${BINARIES[*]} are missing"
    log "installed $(dpkg-query -W -f='${Package} ${Version}  ' "${PACKAGES[@]}")"
}

# slurm.conf for this machine: all CPUs, about 90 % of the memory, one partition.
render_conf() {
    local cpus mem_mb
    # GNU nproc honours OMP_NUM_THREADS (the test suite sets it per pytest-xdist worker): count the
    # machine's CPUs without it, so that slurm.conf matches what slurmd detects.
    cpus=$(env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc)
    mem_mb=$(awk '/^MemTotal:/ {printf "%d", $2 / 1024 * 0.9}' /proc/meminfo)
    cat <<EOF
# Written by tests/slurm/local_slurm.sh: a one-node test cluster on localhost, no accounting daemon.
ClusterName=localcluster
SlurmctldHost=localhost
SlurmUser=slurm
AuthType=auth/munge
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=$CTLD_PIDFILE
SlurmdPidFile=$SLURMD_PIDFILE
SlurmctldLogFile=$SLURM_LOGDIR/slurmctld.log
SlurmdLogFile=$SLURM_LOGDIR/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
# Finished jobs stay visible to squeue for 10 min: Snakemake polls their state with squeue.
MinJobAge=600
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
}

# Write slurm.conf if it differs; returns 0 if it changed.
write_conf() {
    local new
    new=$(render_conf)
    if [[ -r $SLURM_CONF ]] && [[ $(cat "$SLURM_CONF") == "$new" ]]; then
        return 1
    fi
    install -d -m 0755 /etc/slurm
    printf '%s\n' "$new" >"$SLURM_CONF.tmp"
    chmod 0644 "$SLURM_CONF.tmp"
    mv -f "$SLURM_CONF.tmp" "$SLURM_CONF"
    log "wrote $SLURM_CONF ($(grep -o 'CPUs=[0-9]* RealMemory=[0-9]*' "$SLURM_CONF"))"
    return 0
}

prepare_dirs() {
    install -d -o slurm -g slurm -m 0755 /var/spool/slurmctld "$SLURM_LOGDIR"
    install -d -o root -g root -m 0755 /var/spool/slurmd
    install -d -o munge -g munge -m 0755 /run/munge
}

# --- daemons ----------------------------------------------------------------------------------------

munge_works() { munge -n 2>/dev/null | unmunge >/dev/null 2>&1; }

start_munge() {
    if [[ -n $(daemon_pid "$MUNGE_PIDFILE" munged) ]] && munge_works; then
        log "munged: already running (PID $(daemon_pid "$MUNGE_PIDFILE" munged))"
        return 0
    fi
    [[ -r /etc/munge/munge.key ]] || die "/etc/munge/munge.key missing (the munge package creates it)"
    log "munged: starting"
    # stdio detached: a daemon must not hold the caller's pipes open
    runuser -u munge -- /usr/sbin/munged </dev/null >>"$SLURM_LOGDIR/munged.stdout" 2>&1 ||
        die "munged failed to start (see /var/log/munge/munged.log)"
    local i
    for ((i = 0; i < 50; i++)); do
        munge_works && {
            log "munged: running (PID $(daemon_pid "$MUNGE_PIDFILE" munged)), munge -n | unmunge works"
            return 0
        }
        sleep 0.2
    done
    die "munged started but munge -n | unmunge fails"
}

# start_slurm_daemon NAME PIDFILE WHAT [ARGS...]: start a SLURM daemon unless it already runs
start_slurm_daemon() {
    local name=$1 pidfile=$2 what=$3
    shift 3
    if [[ -n $(daemon_pid "$pidfile" "$name") ]]; then
        log "$name: already running (PID $(daemon_pid "$pidfile" "$name"))"
        return 0
    fi
    log "$name: starting$what"
    "/usr/sbin/$name" "$@" </dev/null >>"$SLURM_LOGDIR/$name.stdout" 2>&1 ||
        die "$name failed to start (see $SLURM_LOGDIR/$name.log)"
    # The launcher returns once the daemon has forked; the daemon writes its PID file a moment later.
    local i
    for ((i = 0; i < PIDFILE_TIMEOUT_S * 5; i++)); do
        if [[ -n $(daemon_pid "$pidfile" "$name") ]]; then
            log "$name: running (PID $(daemon_pid "$pidfile" "$name"))"
            return 0
        fi
        sleep 0.2
    done
    die "$name: no live process behind $pidfile ${PIDFILE_TIMEOUT_S} s after start; $(log_tail "$name")"
}

node_state() { timeout 10 sinfo -h -N -n localhost -o %T 2>/dev/null | head -n 1 || true; }

srun_works() { [[ $(timeout 30 srun -N 1 -n 1 -t 1 hostname 2>/dev/null) != "" ]]; }

healthy() {
    [[ -n $(daemon_pid "$MUNGE_PIDFILE" munged) ]] || return 1
    [[ -n $(daemon_pid "$CTLD_PIDFILE" slurmctld) ]] || return 1
    [[ -n $(daemon_pid "$SLURMD_PIDFILE" slurmd) ]] || return 1
    munge_works || return 1
    [[ $(node_state) =~ ^(idle|mixed|allocated) ]] || return 1
    srun_works
}

# The last lines of a daemon's log, for error messages.
log_tail() {
    local file=$SLURM_LOGDIR/$1.log
    printf 'last lines of %s:\n%s' "$file" "$(tail -n 20 "$file" 2>/dev/null)"
}

wait_ready() {
    local deadline=$((SECONDS + READY_TIMEOUT_S)) state="" resumed=0
    log "waiting up to ${READY_TIMEOUT_S} s for node localhost to be idle"
    while ((SECONDS < deadline)); do
        [[ -n $(daemon_pid "$CTLD_PIDFILE" slurmctld) ]] || die "slurmctld died; $(log_tail slurmctld)"
        [[ -n $(daemon_pid "$SLURMD_PIDFILE" slurmd) ]] || die "slurmd died; $(log_tail slurmd)"
        state=$(node_state)
        if [[ $state == idle ]]; then
            break
        fi
        # a node left down or drained by an earlier, unclean run: resume it once
        if [[ $state =~ ^(down|drain) ]] && ((resumed == 0)); then
            log "node localhost is '$state', resuming it"
            scontrol update NodeName=localhost State=RESUME || true
            resumed=1
        fi
        sleep 1
    done
    [[ $state == idle ]] || die "node localhost not idle after ${READY_TIMEOUT_S} s (state '${state:-none}')"
    log "node localhost is idle; sinfo:"
    sinfo >&2
    while ((SECONDS < deadline)); do
        if srun_works; then
            log "srun hostname works: cluster ready"
            return 0
        fi
        sleep 1
    done
    die "srun hostname does not work after ${READY_TIMEOUT_S} s"
}

# --- subcommands ------------------------------------------------------------------------------------

cmd_start() {
    require_root
    install_packages
    if [[ -r $SLURM_CONF ]] && [[ $(cat "$SLURM_CONF") == "$(render_conf)" ]] && healthy; then
        log "cluster already running and healthy, nothing to do"
        return 0
    fi
    prepare_dirs
    if write_conf; then
        # a changed configuration (CPUs, memory) needs fresh daemons
        stop_daemon slurmd "$SLURMD_PIDFILE"
        stop_daemon slurmctld "$CTLD_PIDFILE"
    fi
    start_munge
    start_slurm_daemon slurmctld "$CTLD_PIDFILE" ""
    start_slurm_daemon slurmd "$SLURMD_PIDFILE" " as node localhost" -N localhost
    wait_ready
}

cmd_stop() {
    require_root
    local pid jobs i states=PENDING,RUNNING,CONFIGURING,COMPLETING
    pid=$(daemon_pid "$CTLD_PIDFILE" slurmctld)
    if [[ -n $pid ]]; then
        jobs=$(timeout 10 squeue -h -t "$states" -o %i 2>/dev/null || true)
        if [[ -n $jobs ]]; then
            log "cancelling jobs still queued on the test cluster: $(echo "$jobs" | tr '\n' ' ')"
            # shellcheck disable=SC2086
            timeout 10 scancel $jobs || true
            for ((i = 0; i < STOP_TIMEOUT_S; i++)); do
                [[ -z $(timeout 10 squeue -h -t "$states" -o %i 2>/dev/null) ]] && break
                sleep 1
            done
        fi
    fi
    stop_daemon slurmd "$SLURMD_PIDFILE"
    stop_daemon slurmctld "$CTLD_PIDFILE"
    stop_daemon munged "$MUNGE_PIDFILE"
    log "all daemons stopped"
}

cmd_status() {
    local name pidfile pid rc=0
    for name in munged slurmctld slurmd; do
        case $name in
        munged) pidfile=$MUNGE_PIDFILE ;;
        slurmctld) pidfile=$CTLD_PIDFILE ;;
        slurmd) pidfile=$SLURMD_PIDFILE ;;
        esac
        pid=$(daemon_pid "$pidfile" "$name")
        if [[ -n $pid ]]; then
            log "$name: running (PID $pid, state $(proc_state "$pid"))"
        else
            log "$name: not running"
            rc=1
        fi
    done
    if ((rc == 0)); then
        log "node localhost: $(node_state)"
        sinfo >&2 || rc=1
        squeue >&2 || rc=1
    fi
    return "$rc"
}

case ${1:-} in
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
*)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac
