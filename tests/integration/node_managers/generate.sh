set -e
mkdir -p /w && cd /w
cat > package.json <<'J'
{"name":"demo","version":"1.0.0","private":true,"dependencies":{"left-pad":"1.3.0"}}
J
case "$1" in
  pnpm) npm i -g --no-audit --no-fund pnpm@9.15.9 >/dev/null 2>&1; pnpm install --lockfile-only >/dev/null; cat pnpm-lock.yaml ;;
  yarn1) npm i -g --no-audit --no-fund yarn@1.22.22 >/dev/null 2>&1; yarn install --ignore-scripts >/dev/null; cat yarn.lock ;;
  yarn4) npm i -g --no-audit --no-fund @yarnpkg/cli-dist@4.5.3 >/dev/null 2>&1; printf 'nodeLinker: node-modules\n' > .yarnrc.yml; YARN_ENABLE_IMMUTABLE_INSTALLS=0 yarn install --mode=update-lockfile >/dev/null; cat yarn.lock ;;
esac
