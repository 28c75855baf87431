#!/usr/bin/env bash
# Run a real single-node Apache Kafka broker (KRaft, combined broker+controller)
# from Maven Central jars: no Docker, no release tarball.
#
# Usage:
#   scripts/kafka.sh fetch
#       Resolve the broker + tools jars once into $AIGOV_KAFKA_LIBS
#       (default ~/.cache/aigov/kafka-<version>/libs). No-op when complete.
#   scripts/kafka.sh start [--data-dir DIR] [--port P] [--controller-port C]
#       Fetch if needed, write DIR/server.properties, format storage (once),
#       start the broker in the background (pid in DIR/kafka.pid, output in
#       DIR/kafka.out, log4j logs in DIR/logs/) and wait until it answers a
#       metadata request. Exit 0 when ready, 1 on failure/timeout.
#       A broker already running from DIR is reused (only waited for).
#   scripts/kafka.sh stop [--data-dir DIR]
#       SIGTERM, wait up to 20 s, then SIGKILL. Idempotent.
#   scripts/kafka.sh create-topics [--bootstrap HOST:PORT] TOPIC...
#       Create each topic if absent (3 partitions, replication factor 1).
#
# Defaults: --data-dir var/kafka (relative to the repo root), --port 9092,
# --controller-port 9093, --bootstrap 127.0.0.1:9092.
# Environment: AIGOV_KAFKA_LIBS (jar cache dir), AIGOV_KAFKA_START_TIMEOUT
# (seconds to wait for readiness, default 60), JAVA_HOME (optional).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

POM="$ROOT/infra/kafka/pom.xml"
LOG4J_CONF="$ROOT/infra/kafka/log4j2.properties"
KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$POM" | head -n1)"
: "${KAFKA_VERSION:?cannot read kafka.version from $POM}"
LIBS="${AIGOV_KAFKA_LIBS:-$HOME/.cache/aigov/kafka-$KAFKA_VERSION/libs}"
MARKER_NAME=".aigov-complete"
START_TIMEOUT="${AIGOV_KAFKA_START_TIMEOUT:-60}"
if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
  JAVA="$JAVA_HOME/bin/java"
else
  JAVA="java"
fi

log() { echo "kafka.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

usage() {
  sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}" >&2
}

# ---------------------------------------------------------------- fetch ----

# The marker holds a hash of the pom, so editing the pom triggers a re-fetch and
# an interrupted download (no marker) is redone from scratch.
pom_hash() { sha256sum "$POM" | cut -d' ' -f1; }

libs_complete() {
  [[ -f "$LIBS/$MARKER_NAME" && "$(cat "$LIBS/$MARKER_NAME")" == "$(pom_hash)" ]]
}

cmd_fetch() {
  if libs_complete; then
    return 0
  fi
  command -v mvn >/dev/null || die "mvn (Maven) is required to fetch the Kafka jars"
  local parent partial
  parent="$(dirname "$LIBS")"
  mkdir -p "$parent"
  partial="$(mktemp -d "$parent/.libs-partial.XXXXXX")"
  # Interrupted (Ctrl-C, kill): drop the half-filled folder; no marker is written.
  trap 'rm -rf "$partial" "$partial.mvn.log"' EXIT
  log "resolving Kafka $KAFKA_VERSION jars into $LIBS (one-time)"
  # Maven's output is kept aside and shown only on failure (with -q, Maven 3.8
  # still prints stray ANSI reset codes).
  if ! mvn -B -q -f "$POM" \
      org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
      -DoutputDirectory="$partial" -DincludeScope=runtime >"$partial.mvn.log" 2>&1; then
    cat "$partial.mvn.log" >&2
    rm -rf "$partial" "$partial.mvn.log"
    die "maven failed to resolve the Kafka jars"
  fi
  rm -f "$partial.mvn.log"
  ls "$partial"/kafka_2.13-*.jar >/dev/null 2>&1 || { rm -rf "$partial"; die "kafka jar missing after fetch"; }
  pom_hash >"$partial/$MARKER_NAME"
  # Swap the complete folder into place (another fetch may have won the race).
  if libs_complete; then
    rm -rf "$partial"
  else
    rm -rf "$LIBS"
    mv "$partial" "$LIBS"
  fi
  trap - EXIT
  log "jars ready in $LIBS"
}

# ------------------------------------------------------------- helpers ----

# Run a Kafka CLI tool class. Tools log WARN+ to stderr only, like the
# release's tools-log4j2 config (log4j's default configuration, raised to WARN).
run_tool() {
  "$JAVA" -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
    -Djava.awt.headless=true -Dlog4j2.level=WARN \
    -cp "$LIBS/*" "$@"
}

port_open() {  # port_open HOST PORT
  (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

abs_dir() {  # create and print absolute path
  mkdir -p "$1"
  (cd "$1" && pwd)
}

# pid of a live broker started from $DATA_DIR, or nothing.
broker_pid() {
  local pidfile="$DATA_DIR/kafka.pid" pid
  [[ -f "$pidfile" ]] || return 0
  pid="$(cat "$pidfile" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 0
  kill -0 "$pid" 2>/dev/null || return 0
  # Guard against pid reuse: it must be our broker for this data dir.
  if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "kafka.Kafka $DATA_DIR/server.properties"; then
    echo "$pid"
  fi
}

show_logs() {
  local f
  for f in "$DATA_DIR/kafka.out" "$DATA_DIR/logs/server.log"; do
    if [[ -f "$f" ]]; then
      echo "----- last lines of $f -----" >&2
      tail -n 40 "$f" >&2
    fi
  done
}

parse_common() {
  DATA_DIR="var/kafka"; PORT=9092; CONTROLLER_PORT=9093; BOOTSTRAP=""; ARGS=()
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --data-dir) DATA_DIR="${2:?--data-dir needs a value}"; shift 2 ;;
      --data-dir=*) DATA_DIR="${1#*=}"; shift ;;
      --port) PORT="${2:?--port needs a value}"; shift 2 ;;
      --port=*) PORT="${1#*=}"; shift ;;
      --controller-port) CONTROLLER_PORT="${2:?--controller-port needs a value}"; shift 2 ;;
      --controller-port=*) CONTROLLER_PORT="${1#*=}"; shift ;;
      --bootstrap) BOOTSTRAP="${2:?--bootstrap needs a value}"; shift 2 ;;
      --bootstrap=*) BOOTSTRAP="${1#*=}"; shift ;;
      -h|--help) usage; exit 0 ;;
      --) shift; ARGS+=("$@"); break ;;
      -*) die "unknown option $1" ;;
      *) ARGS+=("$1"); shift ;;
    esac
  done
  [[ "$PORT" =~ ^[0-9]+$ && "$CONTROLLER_PORT" =~ ^[0-9]+$ ]] || die "ports must be numbers"
  BOOTSTRAP="${BOOTSTRAP:-127.0.0.1:$PORT}"
}

write_server_properties() {
  cat >"$DATA_DIR/server.properties" <<EOF
# Written by scripts/kafka.sh on every start; edits are overwritten.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$DATA_DIR/data
num.partitions=3
default.replication.factor=1
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
num.recovery.threads.per.data.dir=1
EOF
  # Short client timeouts for the readiness probe, so a not-yet-ready broker
  # fails the probe quickly instead of blocking for the 60 s default.
  cat >"$DATA_DIR/admin.properties" <<EOF
request.timeout.ms=3000
default.api.timeout.ms=5000
EOF
}

# Ready = port accepts connections AND a metadata request (list topics) works.
wait_ready() {  # wait_ready PID
  local pid="$1" deadline=$((SECONDS + START_TIMEOUT))
  while ((SECONDS < deadline)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      log "broker (pid $pid) exited during startup"
      show_logs
      return 1
    fi
    if port_open 127.0.0.1 "$PORT" &&
       run_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "127.0.0.1:$PORT" \
         --command-config "$DATA_DIR/admin.properties" --list >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.5
  done
  log "broker not ready after ${START_TIMEOUT}s"
  show_logs
  return 1
}

# ---------------------------------------------------------------- start ----

cmd_start() {
  parse_common "$@"
  [[ ${#ARGS[@]} -eq 0 ]] || die "start: unexpected argument ${ARGS[0]}"
  DATA_DIR="$(abs_dir "$DATA_DIR")"
  local pid started_at=$EPOCHREALTIME
  pid="$(broker_pid)"
  if [[ -n "$pid" ]]; then
    grep -qxF "listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT" \
      "$DATA_DIR/server.properties" 2>/dev/null \
      || die "a broker from $DATA_DIR (pid $pid) is already running on other ports; stop it first"
    log "broker from $DATA_DIR already running (pid $pid); waiting for it to be ready"
    wait_ready "$pid" || exit 1
    log "ready on 127.0.0.1:$PORT"
    return 0
  fi
  rm -f "$DATA_DIR/kafka.pid"
  for p in "$PORT" "$CONTROLLER_PORT"; do
    port_open 127.0.0.1 "$p" && die "port $p on 127.0.0.1 is already in use"
  done
  cmd_fetch
  mkdir -p "$DATA_DIR/data" "$DATA_DIR/logs"
  write_server_properties

  # Storage format: once per data dir. Reuse the cluster id so a restart keeps
  # the existing data (the id is also recorded in data/meta.properties).
  local cluster_id=""
  if [[ -s "$DATA_DIR/cluster.id" ]]; then
    cluster_id="$(cat "$DATA_DIR/cluster.id")"
  elif [[ -f "$DATA_DIR/data/meta.properties" ]]; then
    cluster_id="$(sed -n 's/^cluster\.id=//p' "$DATA_DIR/data/meta.properties")"
  fi
  if [[ -z "$cluster_id" ]]; then
    cluster_id="$(run_tool kafka.tools.StorageTool random-uuid)"
  fi
  echo "$cluster_id" >"$DATA_DIR/cluster.id"
  if [[ ! -f "$DATA_DIR/data/meta.properties" ]]; then
    run_tool kafka.tools.StorageTool format -t "$cluster_id" \
      -c "$DATA_DIR/server.properties" --ignore-formatted >"$DATA_DIR/format.out" 2>&1 \
      || { cat "$DATA_DIR/format.out" >&2; die "storage format failed"; }
  fi

  # JVM options as in the release's bin/kafka-server-start.sh / kafka-run-class.sh.
  local -a jvm_opts=(
    -Xms256m -Xmx512m
    -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35
    -XX:+ExplicitGCInvokesConcurrent
    -Djava.awt.headless=true
    "-Dlog4j2.configurationFile=file:$LOG4J_CONF"
    "-Dkafka.logs.dir=$DATA_DIR/logs"
  )
  # setsid: own session, so a Ctrl-C in the calling terminal does not kill it.
  setsid "$JAVA" "${jvm_opts[@]}" -cp "$LIBS/*" kafka.Kafka "$DATA_DIR/server.properties" \
    >"$DATA_DIR/kafka.out" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$DATA_DIR/kafka.pid"
  log "started broker pid $pid (data $DATA_DIR, port $PORT, controller $CONTROLLER_PORT)"
  if ! wait_ready "$pid"; then
    # Do not leave a half-started broker behind.
    kill -TERM "$pid" 2>/dev/null || true
    sleep 2
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$DATA_DIR/kafka.pid"
    exit 1
  fi
  log "ready on 127.0.0.1:$PORT after $(awk -v a="$started_at" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.1f", b-a}')s"
}

# ----------------------------------------------------------------- stop ----

cmd_stop() {
  parse_common "$@"
  [[ ${#ARGS[@]} -eq 0 ]] || die "stop: unexpected argument ${ARGS[0]}"
  if [[ ! -d "$DATA_DIR" ]]; then
    log "no data dir $DATA_DIR; nothing to stop"
    return 0
  fi
  DATA_DIR="$(cd "$DATA_DIR" && pwd)"
  local pid i
  pid="$(broker_pid)"
  if [[ -z "$pid" ]]; then
    rm -f "$DATA_DIR/kafka.pid"
    log "no broker running from $DATA_DIR"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 40; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "broker pid $pid still alive after 20s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 20; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.25
    done
  fi
  rm -f "$DATA_DIR/kafka.pid"
  log "stopped broker pid $pid"
}

# -------------------------------------------------------- create-topics ----

cmd_create_topics() {
  parse_common "$@"
  [[ ${#ARGS[@]} -gt 0 ]] || die "create-topics: give at least one topic name"
  cmd_fetch
  local topic
  for topic in "${ARGS[@]}"; do
    run_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOTSTRAP" \
      --create --if-not-exists --topic "$topic" --partitions 3 --replication-factor 1 >&2 \
      || die "could not create topic $topic on $BOOTSTRAP"
  done
  log "topics present on $BOOTSTRAP: ${ARGS[*]}"
}

# ----------------------------------------------------------------- main ----

[[ $# -gt 0 ]] || { usage; exit 2; }
sub="$1"; shift
case "$sub" in
  fetch) cmd_fetch ;;
  start) cmd_start "$@" ;;
  stop) cmd_stop "$@" ;;
  create-topics) cmd_create_topics "$@" ;;
  -h|--help|help) usage ;;
  *) log "unknown subcommand: $sub"; usage; exit 2 ;;
esac
