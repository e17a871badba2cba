# saba-recon nightly from cron, as the saba-recon account (installed by the saba-recon package).
# Disabled as shipped: the job needs /etc/saba-recon/saba-recon.yaml and /etc/saba-recon/env
# filled in first (check with: sudo -u saba-recon /usr/libexec/saba-recon/nightly-run.sh --check).
# Then either remove the "#" before the line below, or enable the systemd timer instead
# (systemctl enable --now saba-recon.timer): one of the two, never both (a second start on
# the same report root only exits 2 on the lock, but the mail or alert is noise).
# The [ -x ] test keeps this file quiet after the package is removed (a conffile stays until purge).
#
# nightly-run.sh runs `saba-recon nightly` (the last 180 UTC days, today included), logs to
# syslog with tag saba-recon, and writes to stderr, so cron mails MAILTO, only on exit 1
# (discrepancies) or 2 (failed). See /usr/share/doc/saba-recon/jobs.md.

SHELL=/bin/bash
PATH=/usr/bin:/bin
# MAILTO=ops@example.com

# m  h  dom mon dow  user        command
# 30 2  *   *   *    saba-recon  [ -x /usr/libexec/saba-recon/nightly-run.sh ] && /usr/libexec/saba-recon/nightly-run.sh
