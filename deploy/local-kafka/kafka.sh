#!/usr/bin/env bash
# A single-node Apache Kafka (KRaft, combined broker + controller) on 127.0.0.1 for development
# and tests. The jars come from Maven Central through Maven and are cached outside the work tree,
# so a second start downloads nothing.
#
#   kafka.sh start    fetch if needed, format storage on first use, start, wait until it answers
#   kafka.sh stop     stop the broker this script started
#   kafka.sh status   exit 0 when a broker answers on the port
#   kafka.sh fetch    only fetch the jars
#   kafka.sh classpath
#                     fetch if needed, print the Java classpath of Kafka and its clients (tests run
#                     the Java client from it to check what other systems' producers and consumers see)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
kafka_version="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$here/pom.xml")"
cache_dir="${RESTOCK_CACHE_DIR:-$HOME/.cache/restock}"
lib_dir="$cache_dir/kafka-$kafka_version/lib"
state_dir="${RESTOCK_KAFKA_STATE_DIR:-$cache_dir/kafka-state}"
port="${RESTOCK_KAFKA_PORT:-9092}"
controller_port="${RESTOCK_KAFKA_CONTROLLER_PORT:-9093}"
heap="${RESTOCK_KAFKA_HEAP:-768m}"
# The JIT stops at C1 (TieredStopAtLevel=1). This broker lives for a test run or a benchmark, on a
# machine whose cores the services, PostgreSQL and the tests share. With C2 as well, a freshly started
# broker spent a third of its CPU compiling through the first pipeline benchmark run (36 of 104
# CPU-s, and still compiling in the third run); with C1 alone it compiles in about 5 s. Measured in
# docs/benchmarks.md, twentieth pass. A broker kept up for hours may gain from C2:
# RESTOCK_KAFKA_JVM_OPTS replaces these options.
jvm_opts="${RESTOCK_KAFKA_JVM_OPTS:--Xms256m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:TieredStopAtLevel=1}"
start_timeout_s=120

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

fetch() {
  if [ -f "$lib_dir/.complete" ]; then return 0; fi
  echo "kafka: fetching Apache Kafka $kafka_version with Maven into $lib_dir" >&2
  local started=$SECONDS
  mkdir -p "$lib_dir"
  mvn -q -B -f "$here/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$lib_dir" >&2
  touch "$lib_dir/.complete"
  echo "kafka: fetched in $((SECONDS - started)) s" >&2
}

write_config() {
  mkdir -p "$state_dir/data" "$state_dir/logs"
  cat > "$state_dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller_port
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$state_dir/data
num.partitions=6
default.replication.factor=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=6
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
auto.create.topics.enable=false
group.initial.rebalance.delay.ms=0
log.retention.hours=168
log.segment.bytes=67108864
PROPS
}

# The JVM's arguments up to the main class, for the broker and for Kafka's tools alike.
# shellcheck disable=SC2206 # jvm_opts is a list of options
java_args=(-Xmx"$heap" $jvm_opts -Djava.awt.headless=true -Dkafka.logs.dir="$state_dir/logs"
  -Dlog4j2.configurationFile="$here/log4j2.properties" -cp "$lib_dir/*")

java_cmd() {
  java "${java_args[@]}" "$@"
}

start() {
  if port_open "$port"; then echo "kafka: reusing the broker on 127.0.0.1:$port" >&2; return 0; fi
  fetch
  write_config
  if [ ! -f "$state_dir/data/meta.properties" ]; then
    java_cmd kafka.tools.StorageTool format \
      --cluster-id "$(java_cmd kafka.tools.StorageTool random-uuid)" \
      --config "$state_dir/server.properties" --ignore-formatted >&2
  fi
  nohup java "${java_args[@]}" kafka.Kafka "$state_dir/server.properties" > "$state_dir/logs/stdout.log" 2>&1 &
  echo $! > "$state_dir/kafka.pid"
  local waited=0
  until port_open "$port"; do
    if ! kill -0 "$(cat "$state_dir/kafka.pid")" 2>/dev/null; then
      echo "kafka: the broker exited; see $state_dir/logs" >&2; tail -20 "$state_dir/logs/stdout.log" >&2; exit 1
    fi
    if [ "$waited" -ge "$start_timeout_s" ]; then echo "kafka: not up after ${start_timeout_s}s" >&2; exit 1; fi
    sleep 1; waited=$((waited + 1))
  done
  echo "kafka: broker $kafka_version up on 127.0.0.1:$port after ${waited}s (pid $(cat "$state_dir/kafka.pid"))" >&2
}

stop() {
  local pid_file="$state_dir/kafka.pid"
  [ -f "$pid_file" ] || { echo "kafka: no broker started by this script" >&2; return 0; }
  local pid; pid="$(cat "$pid_file")"
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pid_file"
  echo "kafka: stopped" >&2
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  fetch) fetch ;;
  classpath) fetch; echo "$lib_dir/*" ;;
  status) port_open "$port" ;;
  *) echo "usage: kafka.sh start|stop|status|fetch|classpath" >&2; exit 2 ;;
esac
