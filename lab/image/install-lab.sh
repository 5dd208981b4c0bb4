#!/bin/bash
# Runs inside `docker build` (as root): users, vendor paths and the labsim package.
# Generic on purpose: every executable in /opt/lab/bin named tb* or cmrctl is linked into
# $TB_HOME/bin, every prs_* into $PRS_HOME/bin; lab/prosync/** is copied into $PRS_HOME.
set -euo pipefail

TB_HOME="${TB_HOME:?}"
PRS_HOME="${PRS_HOME:?}"

# Users of the seed's layout. Fixed ids so files on the shared volume mean the same on every node.
getent group dba >/dev/null || groupadd --gid 1001 dba
id tibero >/dev/null 2>&1 || useradd --uid 1001 --gid dba --create-home --shell /bin/bash tibero
id prosync >/dev/null 2>&1 || useradd --uid 1002 --gid dba --create-home --shell /bin/bash prosync

# `import labsim` works for every user and every way a tool is started (sudo/su reset the environment).
site_dir="$(python3 -c 'import sysconfig; print(sysconfig.get_path("purelib"))')"
[[ -d "$site_dir" ]] || site_dir=/usr/lib/python3/dist-packages
mkdir -p "$site_dir"
echo /opt/lab > "$site_dir/tibero-labsim.pth"

find /opt/lab -type d -exec chmod 0755 {} +
find /opt/lab/bin -type f -exec chmod 0755 {} +

install -d -o tibero -g dba -m 0755 /home/tibero/tibero "$TB_HOME" "$TB_HOME/bin" "$TB_HOME/config"
# $PRS_HOME is group-writable for dba with setgid dirs: CM runs the agent scripts as tibero.
install -d -o prosync -g dba -m 2775 "$PRS_HOME" "$PRS_HOME/bin"

for tool in /opt/lab/bin/*; do
    [[ -f "$tool" ]] || continue
    name="$(basename "$tool")"
    case "$name" in
        tb*|cmrctl) ln -sfn "$tool" "$TB_HOME/bin/$name" ;;
        prs_*)      ln -sfn "$tool" "$PRS_HOME/bin/$name" ;;
        *)          ;;  # lab-init, lab-provision, ...: stay in /opt/lab/bin
    esac
done

if [[ -d /opt/lab/prosync ]]; then
    cp -a /opt/lab/prosync/. "$PRS_HOME/"
fi
chown -R -h prosync:dba "$PRS_HOME"
find "$PRS_HOME" -type d -exec chmod 2775 {} +
find "$PRS_HOME" -type f -name '*.sh' -exec chmod 0775 {} +
find "$TB_HOME/bin" -type l -exec chown -h tibero:dba {} +

# Mount point of the shared volume; Docker gives a new named volume this directory's owner and mode.
install -d -o root -g dba -m 2775 /lab/shared
# Login shells of both users find their tools like on a real site.
cat > /etc/profile.d/tibero-lab.sh <<PROFILE
export TB_HOME=$TB_HOME
export CM_HOME=\$TB_HOME
export PRS_HOME=$PRS_HOME
export LAB_SHARED=/lab/shared
export PATH=\$TB_HOME/bin:\$PRS_HOME/bin:\$PATH
PROFILE

# The Ansible login user, as on a site: no password (locked), a key at lab start
# (lab-authorize-key), and only the sudo rights the collection ships, installed as they are.
id tcmadm >/dev/null 2>&1 || useradd --create-home --shell /bin/bash tcmadm
passwd -l tcmadm >/dev/null
visudo -cf /opt/lab/sudoers-tibero-cm >/dev/null
install -o root -g root -m 0440 /opt/lab/sudoers-tibero-cm /etc/sudoers.d/tibero-cm
# sshd is never a daemon here: each connection is `docker exec -i <container> /usr/sbin/sshd -i`
# (the SSH ProxyCommand of inventories/lab), so no port is published and no address is used.
# The host keys are made once per image (every node of a lab shares them; the transport to the
# container is docker exec, which is what authenticates it).
ssh-keygen -A >/dev/null
install -d -m 0755 /run/sshd
cat > /etc/ssh/sshd_config.d/tibero-lab.conf <<'SSHD'
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin no
AllowUsers tcmadm
SSHD
