#!/bin/sh
# devparity's dev supervisor (issue 3): runs the app as a child so that a
# reload re-execs the app *process*, not the container. `docker restart` took
# 440-1,200 ms from edit to served response; signalling this script takes
# 80-140 ms. Docker's init (tini) is PID 1 and forwards signals to it.
#
#   USR1      reload. DEVPARITY_RELOAD=restart: stop the app, start it again;
#             signal:NAME: send NAME to the app; none: nothing. A dead app is
#             started again in every mode.
#   TERM/INT  stop the app (TERM, then KILL after DEVPARITY_GRACE seconds), exit.
#   HUP       forwarded to the app.
#
# DEVPARITY_BUILD, when set (a compiled runtime's build step, see
# devparity/runtimes/plugin.py dev_build), runs before each start in the
# workdir; a failed build is reported and the app stays down until the next
# USR1.
#
# Lines starting with "[devparity] " on stderr are read by `devparity up`:
#   app started (pid N) | app exited with code N | app signalled NAME | stopping
#   building | build failed with code N
# When the app exits by itself: DEVPARITY_ON_EXIT=wait (a watching `up`)
# waits for the next USR1; =exit (`up --detach`) exits with the app's code.

mode=${DEVPARITY_RELOAD:-restart}
on_exit=${DEVPARITY_ON_EXIT:-wait}
grace=${DEVPARITY_GRACE:-5}
child=
pending=
sleeper=
builder=

say() { echo "[devparity] $*" >&2; }

if [ "$#" -eq 0 ]; then
  say "no command given"
  exit 2
fi

# The app gets its own process group (setsid) so a restart also stops the
# processes it spawned; without setsid only the app's own pid is signalled.
if command -v setsid >/dev/null 2>&1; then group=1; else group=; fi

# The build runs in the background so a TERM during a long build stops it.
build() {
  [ -n "$DEVPARITY_BUILD" ] || return 0
  say "building"
  # its own process group, like the app, so a stop ends the compiler too
  if [ -n "$group" ]; then setsid /bin/sh -c "$DEVPARITY_BUILD" & else /bin/sh -c "$DEVPARITY_BUILD" & fi
  builder=$!
  while :; do
    # A TERM that landed before $builder was set found nothing to stop:
    # catch it here; one that lands later stops the build from the trap.
    if [ "$pending" = stop ]; then
      stop_build
      wait "$builder" 2>/dev/null
      builder=
      return 1
    fi
    wait "$builder"
    code=$?
    kill -0 "$builder" 2>/dev/null || break  # reaped: $code is the build's
  done
  builder=
  [ "$code" -eq 0 ] && return 0
  say "build failed with code $code"
  return 1
}

stop_build() {
  [ -n "$builder" ] || return 0
  kill -s TERM -- "-$builder" 2>/dev/null || kill -s TERM "$builder" 2>/dev/null
}

start() {
  build || { [ "$on_exit" = exit ] && [ "$pending" != stop ] && exit 1; return 0; }
  if [ -n "$group" ]; then setsid "$@" & else "$@" & fi
  child=$!
  say "app started (pid $child)"
}

stop_signal() {  # the whole group when there is one
  if [ -n "$group" ]; then kill -s "$1" -- "-$child" 2>/dev/null || kill -s "$1" "$child" 2>/dev/null
  else kill -s "$1" "$child" 2>/dev/null; fi
}

stop_app() {
  [ -n "$child" ] || return 0
  stop_signal TERM
  # A killer for an app that ignores TERM. It is stopped with KILL: a forked
  # subshell carries this script's traps for a moment and would take a TERM
  # as "stop". Its sleep may outlive it by $grace seconds, harmlessly.
  ( sleep "$grace"; kill -s KILL -- "-$child" "$child" ) >/dev/null 2>&1 &
  killer=$!
  # wait returns early when a trapped signal arrives; loop until reaped
  # (a zombie still answers kill -0, a reaped pid does not).
  while kill -0 "$child" 2>/dev/null; do wait "$child" 2>/dev/null; done
  kill -s KILL "$killer" 2>/dev/null
  wait "$killer" 2>/dev/null
  child=
}

# A signal that lands after the loop checked $pending but before it entered
# `wait` would otherwise be noticed only when the app exits by itself: so the
# traps also act on what the loop is waiting for (the app for stop and
# restart, the idle sleeper otherwise), which makes that wait return.
wake() { [ -n "$sleeper" ] && kill -s KILL "$sleeper" 2>/dev/null; }
trap 'pending=reload; [ "$mode" = restart ] && [ -n "$child" ] && stop_signal TERM; wake' USR1
trap 'pending=stop; [ -n "$child" ] && stop_signal TERM; stop_build; wake' TERM INT
trap '[ -n "$child" ] && kill -HUP "$child" 2>/dev/null' HUP

start "$@"
while :; do
  if [ -n "$child" ] && [ -z "$pending" ]; then
    wait "$child"
    code=$?
    if [ -z "$pending" ] && ! kill -0 "$child" 2>/dev/null; then
      child=
      say "app exited with code $code"
      [ "$on_exit" = exit ] && exit "$code"
    fi
  elif [ -z "$pending" ]; then
    sleep 86400 &
    sleeper=$!
    [ -n "$pending" ] || wait "$sleeper"
    kill -s KILL "$sleeper" 2>/dev/null
    wait "$sleeper" 2>/dev/null
    sleeper=
  fi
  action=$pending
  pending=
  case $action in
    stop)
      say "stopping"
      stop_app
      exit 0
      ;;
    reload)
      if [ -z "$child" ]; then
        start "$@"
      else
        case $mode in
          restart) stop_app; start "$@" ;;
          signal:*) kill -s "${mode#signal:}" "$child" 2>/dev/null; say "app signalled ${mode#signal:}" ;;
        esac
      fi
      ;;
  esac
done
