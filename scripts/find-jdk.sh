# Sourced by Limn's scripts (runtime-bench/run.sh, runtime-stress/run.sh): sets LIMN_JAVA to
# a java >= 25, looked up as the project does everywhere: JAVA_HOME if it is >= 25, else
# `java` on PATH, else the usual install locations. Exits with advice when none is found.

limn_java_major() {
    "$1" -XshowSettings:properties -version 2>&1 |
        sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p'
}

limn_find_java() {
    local candidate major
    for candidate in ${JAVA_HOME:+"$JAVA_HOME/bin/java"} "$(command -v java 2>/dev/null)" \
        /usr/lib/jvm/*/bin/java /opt/java/*/bin/java /opt/jdk*/bin/java \
        /Library/Java/JavaVirtualMachines/*/Contents/Home/bin/java "$HOME"/.sdkman/candidates/java/*/bin/java; do
        [ -x "$candidate" ] || continue
        major=$(limn_java_major "$candidate")
        if [ -n "$major" ] && [ "$major" -ge 25 ]; then
            LIMN_JAVA=$candidate
            return 0
        fi
    done
    echo "Limn needs a JDK 25 or newer: install one (e.g. Temurin 25) and set JAVA_HOME to it." >&2
    exit 2
}

limn_find_java
