# Sourced by ./erasekit, ./run-tests and .ci/run: finds a JDK 25+ and exports JAVA_HOME.
# Order: $JAVA_HOME, then /usr/lib/jvm/*, newest first. Exits with a clear message when none fits.
ERASEKIT_MIN_JDK=25

erasekit_jdk_major() { # prints the feature version of the JDK at $1, or nothing
  local v
  v=$("$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p')
  echo "${v%%.*}"
}

erasekit_find_jdk() {
  local candidate major
  for candidate in ${JAVA_HOME:+"$JAVA_HOME"} $(ls -d /usr/lib/jvm/*/ 2>/dev/null | sort -rV); do
    candidate="${candidate%/}"
    [ -x "$candidate/bin/java" ] && [ -x "$candidate/bin/javac" ] || continue
    major=$(erasekit_jdk_major "$candidate")
    if [ -n "$major" ] && [ "$major" -ge "$ERASEKIT_MIN_JDK" ]; then
      export JAVA_HOME="$candidate"
      export PATH="$JAVA_HOME/bin:$PATH"
      return 0
    fi
  done
  echo "erasekit: needs a JDK $ERASEKIT_MIN_JDK or newer (FFM, java.lang.foreign); none found in JAVA_HOME${JAVA_HOME:+ ($JAVA_HOME)} or /usr/lib/jvm." >&2
  echo "erasekit: install one (e.g. Temurin 25) and set JAVA_HOME to it." >&2
  exit 1
}

erasekit_find_jdk
# Maven 3.8's bundled Guava calls sun.misc.Unsafe; JDK 24+ warns about it on every run.
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
