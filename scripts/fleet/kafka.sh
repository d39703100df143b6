#!/usr/bin/env bash
# Kafka for the fleet's bus port: one KRaft node (broker and controller in one JVM), Apache Kafka 4.4.0
# from Maven Central jars (scripts/fleet/kafka/pom.xml), on 127.0.0.1:19092 (controller 19093).
# Plaintext, no authentication: it listens on the loopback only and holds test topics.
#   install  apt-get install Java 17 and Maven when missing; fetch the broker's jars into .cache/kafka/lib
#   up       format a fresh log dir, start the broker, wait until it has started, write .cache/fleet/kafka.{pid,env}
#   down     stop the recorded process and remove its pid and env files
set -euo pipefail
. "$(dirname "$0")/lib.sh"

PORT=19092
CONTROLLER_PORT=19093
LIB=.cache/kafka/lib
fleet_files kafka
CONF="$FLEET_DIR/kafka.properties"
LOG_CONF="$FLEET_DIR/kafka-log4j2.properties"
# the client VM's fast start (C1 only) and the serial collector: ~6 s to ready instead of ~16 s on 2 busy cores
JAVA_OPTS=(-Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true)

# the classpath wildcard is quoted so java, not the shell, expands it
KAFKA_JAVA=(java "${JAVA_OPTS[@]}" -Dlog4j2.configurationFile="$PWD/$LOG_CONF" -cp "$LIB/*")

install() {
  if ! command -v java >/dev/null || ! command -v mvn >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless maven
  fi
  if compgen -G "$LIB/kafka_2.13-*.jar" >/dev/null; then
    echo "kafka: $(basename "$LIB"/kafka_2.13-*.jar .jar) already installed"
    return
  fi
  mvn -q -B -f scripts/fleet/kafka/pom.xml dependency:copy-dependencies -DoutputDirectory="$PWD/$LIB"
  echo "kafka: installed $(ls "$LIB" | wc -l) jars into $LIB"
}

write_config() {
  cat >"$CONF" <<CONF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$PWD/$DATA
# one node: every internal topic has one replica
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
default.replication.factor=1
min.insync.replicas=1
# fewer group-coordinator partitions to load after start (the default 50 keeps groups waiting on 2 cores)
offsets.topic.num.partitions=4
# tests start a group and publish at once: no waiting for more members before the first assignment
group.initial.rebalance.delay.ms=0
# topics come from the bus adapter's table with their partitions and retention, never from a typo
auto.create.topics.enable=false
CONF
  cat >"$LOG_CONF" <<CONF
status = warn
appender.out.type = Console
appender.out.name = OUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.out.ref = OUT
logger.kafka.name = kafka
logger.kafka.level = info
logger.state.name = state.change.logger
logger.state.level = warn
CONF
}

up() {
  if fleet_running; then
    echo "kafka: already up (pid $(cat "$PID_FILE"))"
    return
  fi
  mkdir -p "$FLEET_DIR"
  rm -rf "$DATA" && mkdir -p "$DATA"
  write_config
  : >"$LOG"
  # a fresh log dir is formatted once, with a new cluster id
  local cluster_id
  cluster_id=$("${KAFKA_JAVA[@]}" kafka.tools.StorageTool random-uuid 2>>"$LOG" | tail -n1)
  "${KAFKA_JAVA[@]}" kafka.tools.StorageTool format -t "$cluster_id" -c "$CONF" >>"$LOG" 2>&1
  # setsid: the broker outlives this shell and a Ctrl-C in the terminal that ran fleet:up
  setsid "${KAFKA_JAVA[@]}" kafka.Kafka "$CONF" >>"$LOG" 2>&1 </dev/null &
  local pid=$!
  echo "$pid" >"$PID_FILE"
  for _ in $(seq 1 300); do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "kafka: exited during start, see $LOG" >&2
      rm -f "$PID_FILE"
      exit 1
    fi
    # the broker logs this once its listeners accept requests (needs the log4j binding, see pom.xml)
    if grep -q 'Kafka Server started' "$LOG"; then
      echo "KAFKA_BROKERS=127.0.0.1:$PORT" >"$ENV_FILE"
      echo "kafka: up on 127.0.0.1:$PORT (pid $pid)"
      return
    fi
    sleep 0.2
  done
  echo "kafka: not started within 60 s, see $LOG" >&2
  down
  exit 1
}

# a controlled shutdown flushes and closes the logs: give it time before forcing
down() { fleet_stop kafka 30; }

fleet_main "$@"
