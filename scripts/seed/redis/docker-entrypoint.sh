#!/bin/sh
# Entrypoint of the offline redis:7 that scripts/engine seeds, shaped like
# the official image's: flags alone mean redis-server, /data is given to the
# redis user and the server runs as that user. The official image compiles
# protected mode off; Debian's binary does not, so it is turned off here
# (and the bind made explicit) unless the command sets them itself.
set -e

if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
  set -- redis-server "$@"
fi

if [ "$1" = redis-server ] && [ "$(id -u)" = 0 ]; then
  find . \! -user redis -exec chown redis '{}' +
  exec setpriv --reuid=redis --regid=redis --init-groups "$0" "$@"
fi

if [ "$1" = redis-server ]; then
  case " $* " in
    *" --protected-mode "*) ;;
    *) set -- "$@" --protected-mode no ;;
  esac
  case " $* " in
    *" --bind "*) ;;
    *) set -- "$@" --bind '*' '-::*' ;;
  esac
fi

exec "$@"
