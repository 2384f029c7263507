# Sourced by throughput.sh and pingpong.sh (from the repository root): the JDK the project
# finds everywhere (scripts/find-jdk.sh), the CLI jar and JVM flags of the last build, and
# wait_for DIR, which waits until a driver's control file is in DIR, then a second more (a
# second process must not judge that driver inactive before its first heartbeat).
source scripts/find-jdk.sh
java=$LIMN_JAVA
jar=runtime-core/target/runtime-core-0.1.0-SNAPSHOT-cli.jar
read -r -a flags < runtime-core/target/jvm.flags
bench=scripts/remote-bench
wait_for() { while [[ ! -f "$1/cnc.dat" ]]; do sleep 0.05; done; sleep 1; }
