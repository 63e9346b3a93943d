#!/usr/bin/env bash
# Installs the Debian packages the test suite needs, when they are absent:
# PostgreSQL (store tests run against a throwaway cluster), a Java runtime (Spark) and
# Prometheus with promtool (the Prometheus SLI source's tests backfill and query a real server),
# Chromium (Playwright drives Debian's browser, never a downloaded one), poppler-utils (pdftoppm
# and pdftotext check the QBR PDF) and Pango (WeasyPrint lays out the PDF).
set -euo pipefail
need=()
compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null || need+=(postgresql)
command -v java >/dev/null 2>&1 || need+=(openjdk-17-jre-headless)
{ command -v prometheus && command -v promtool; } >/dev/null 2>&1 || need+=(prometheus)
[ -x /usr/bin/chromium ] || need+=(chromium)
{ command -v pdftoppm && command -v pdftotext; } >/dev/null 2>&1 || need+=(poppler-utils)
ldconfig -p | grep -q "libpangoft2-1.0.so.0" || need+=(libpango-1.0-0 libpangoft2-1.0-0)
if ((${#need[@]})); then
  echo "installing Debian packages: ${need[*]}"
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
