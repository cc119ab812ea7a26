#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write N synthetic service units into DIR: random (seeded, reproducible) combinations of the settings
the exposure checks read, with valid, odd and invalid values, so the live oracle (systemd-analyze 252)
can be compared with harden on far more combinations than the real-world corpus has.

usage: security_synth.py DIR N [SEED]"""
import os, random, sys

d, n = sys.argv[1], int(sys.argv[2])
rnd = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 252)

B = ["yes", "no", "true", "0", "on", "maybe", ""]
POOL = {
    "User": ["root", "0", "nobody", "65534", "www-data", "1000", "", "%i", "%p", "%u", "4294967294", "00", "root ", "NOBODY", "bad user"],
    "DynamicUser": ["yes", "no"],
    "SupplementaryGroups": ["", "wheel", "adm disk", "'quoted' \"group\"", "%p", "0"],
    "PrivateDevices": B, "PrivateMounts": B, "PrivateNetwork": B, "PrivateTmp": B, "PrivateUsers": B,
    "ProtectControlGroups": B, "ProtectKernelModules": B, "ProtectKernelTunables": B,
    "ProtectKernelLogs": B, "ProtectClock": B, "ProtectHostname": B, "LockPersonality": B,
    "MemoryDenyWriteExecute": B, "NoNewPrivileges": B, "RestrictRealtime": B, "RestrictSUIDSGID": B,
    "RemoveIPC": B,
    "ProtectHome": ["yes", "no", "read-only", "tmpfs", "bogus", ""],
    "ProtectSystem": ["yes", "no", "full", "strict", "bogus", ""],
    "RootDirectory": ["", "/", "/srv/root", "//", "/srv/./x/"],
    "RootImage": ["", "/var/lib/img.raw", "/", "%t/img.raw"],
    "CapabilityBoundingSet": ["", "~", "CAP_NET_ADMIN", "~CAP_SYS_ADMIN CAP_SYS_PTRACE", "CAP_BOGUS",
                              "cap_chown cap_kill", "~CAP_SETUID CAP_SETGID CAP_SETPCAP", "21", "~CAP_BPF",
                              "CAP_AUDIT_READ CAP_MAC_ADMIN"],
    "AmbientCapabilities": ["", "CAP_NET_BIND_SERVICE", "~CAP_SYS_ADMIN", "CAP_BOGUS"],
    "UMask": ["0077", "0022", "0002", "0027", "0007", "0000", "0070", "0999", "", "077", "7777", "00022", "17777", "-1", "0o77"],
    "KeyringMode": ["private", "shared", "inherit", "bogus", ""],
    "ProtectProc": ["default", "noaccess", "invisible", "ptraceable", "bogus", ""],
    "ProcSubset": ["all", "pid", "bogus"],
    "NotifyAccess": ["none", "all", "main", "exec", "bogus", ""],
    "Delegate": ["yes", "no", "", "cpu memory", "bogus", "cpu bogus", "pids io", "\"cpu\""],
    "RestrictNamespaces": ["yes", "no", "", "~user", "net ipc", "~cgroup mnt", "bogus", "user", "~"],
    "RestrictAddressFamilies": ["", "none", "AF_UNIX", "~AF_INET AF_INET6", "AF_INET AF_INET6 AF_UNIX",
                                "~AF_PACKET", "AF_NETLINK", "~AF_BLUETOOTH", "AF_UNIX AF_CAN", "~AF_UNIX"],
    "SystemCallArchitectures": ["", "native", "x86-64", "native x86", "native native", "bogus", "x32", "native bogus", "\"native\""],
    "SystemCallFilter": ["", "@system-service", "~@privileged @resources", "~@mount", "@basic-io @file-system",
                         "~@clock:EPERM", "@system-service ~@privileged", "~@swap @reboot @raw-io @module",
                         "@default", "~ptrace:EPERM", "~@debug:kill", "@cpu-emulation @obsolete",
                         "~@obsolete @cpu-emulation", "chown fchown", "~@resources:EPERM @privileged",
                         "@system-service @raw-io", "ioperm iopl", "~ioperm", "~@privileged:kill", "@known",
                         "~@default", "@sandbox", "~@sync:0", "@mount ~umount2", "swapon:EPERM",
                         "@clock @reboot", "~@clock:EACCES @module", "pivot_root", "~_sysctl uselib"],
    "SystemCallErrorNumber": ["EPERM", "kill", ""],
    "IPAddressDeny": ["", "any", "0.0.0.0/0", "::/0", "10.0.0.0/8", "\"any\"", "0.0.0.0/0 ::/0", "1.2.3.4/0 ::5/0", "0.0.0.0/33", "::/129", "any bogus"],
    "IPAddressAllow": ["", "localhost", "127.0.0.1", "10.0.0.0/8", "::1", "link-local", "192.168.1.0/24 localhost", "any", "127.0.0.1/0", "::1/64", "multicast", "localhost.localdomain", "foo.localhost", "127.1.2.3/8", "::ffff:127.0.0.1"],
    "IPIngressFilterPath": ["", "/sys/fs/bpf/ingress", "relative/bpf"],
    "IPEgressFilterPath": ["", "/sys/fs/bpf/egress"],
    "DevicePolicy": ["auto", "closed", "strict", "bogus", ""],
    "DeviceAllow": ["", "/dev/null rw", "char-rtc r", "/dev/sda rwxz", "block-loop", "/dev/sda", "/sys/x r", "char-* rw", "%t/dev r", "/run/systemd/inaccessible/chr"],
    "Type": ["simple", "oneshot", "notify", "forking", "exec", "bogus"],
}

# values systemd refuses the whole unit for: used rarely, so most units get scored
FATAL = ["RootDirectory=relative/path", "RootDirectory=/srv/../x", "DynamicUser=maybe", "Group=-1",
         "User=a:b", "ExecStartPre=bin/relative", "SupplementaryGroups=-1"]

os.makedirs(d, exist_ok=True)
keys = sorted(POOL)
for i in range(n):
    lines = ["[Unit]", "Description=synthetic unit %d" % i]
    if rnd.random() < 0.2:
        lines.append("DefaultDependencies=" + rnd.choice(["no", "yes"]))
    lines += ["[Service]", "ExecStart=/usr/bin/sleep infinity"]
    for k in rnd.sample(keys, rnd.randint(0, len(keys))):
        for _ in range(rnd.choice([1, 1, 1, 2])):  # sometimes a key twice: merging, resets
            lines.append("%s=%s" % (k, rnd.choice(POOL[k])))
    if rnd.random() < 0.05:
        lines.insert(rnd.randrange(lines.index("[Service]") + 1, len(lines) + 1), rnd.choice(FATAL))
    name = "synth-%04d%s.service" % (i, "@" if rnd.random() < 0.1 else "")
    with open(os.path.join(d, name), "w") as f:
        f.write("\n".join(lines) + "\n")
