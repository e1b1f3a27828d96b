//! Linux `auth.log` lines (sshd, sudo, cron, useradd), one event per syslog line.
//!
//! Each event names its Sigma log source explicitly (`logsource.product: linux`,
//! `logsource.service: auth`) and keeps the syslog `program`, `pid` and `message`.

use chrono::{DateTime, Utc};
use std::net::Ipv4Addr;

use crate::province::Host;
use crate::timeline::Timeline;

/// A process writing to the auth log: its program name and PID.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Daemon {
    pub program: &'static str,
    pub pid: u32,
}

/// An SSH client connection: who and from where.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SshClient<'a> {
    pub user: &'a str,
    pub ip: Ipv4Addr,
    pub port: u16,
}

impl Timeline {
    /// One auth log line.
    pub fn auth_line(&mut self, at: DateTime<Utc>, host: &Host, daemon: Daemon, message: &str) {
        self.record(at, host)
            .set("logsource.product", "linux")
            .set("logsource.service", "auth")
            .set("program", daemon.program)
            .set("pid", daemon.pid)
            .set("message", message);
    }

    /// sshd accepted a key or password and opened a session.
    pub fn ssh_accepted(
        &mut self,
        at: DateTime<Utc>,
        host: &Host,
        sshd: Daemon,
        client: SshClient<'_>,
        method: &str,
        uid: u32,
    ) {
        let SshClient { user, ip, port } = client;
        self.auth_line(
            at,
            host,
            sshd,
            &format!("Accepted {method} for {user} from {ip} port {port} ssh2"),
        );
        self.auth_line(
            at,
            host,
            sshd,
            &format!(
                "pam_unix(sshd:session): session opened for user {user}(uid={uid}) by (uid=0)"
            ),
        );
    }

    /// sshd rejected a password, for a real or an unknown user.
    pub fn ssh_failed(
        &mut self,
        at: DateTime<Utc>,
        host: &Host,
        sshd: Daemon,
        client: SshClient<'_>,
        known_user: bool,
    ) {
        let SshClient { user, ip, port } = client;
        if known_user {
            self.auth_line(
                at,
                host,
                sshd,
                &format!("Failed password for {user} from {ip} port {port} ssh2"),
            );
        } else {
            self.auth_line(
                at,
                host,
                sshd,
                &format!("Invalid user {user} from {ip} port {port}"),
            );
            self.auth_line(
                at,
                host,
                sshd,
                &format!("Failed password for invalid user {user} from {ip} port {port} ssh2"),
            );
        }
    }

    /// sudo ran `command` as root for `user`, and PAM opened the session.
    pub fn sudo(
        &mut self,
        at: DateTime<Utc>,
        host: &Host,
        sudo: Daemon,
        user: &str,
        uid: u32,
        command: &str,
    ) {
        self.auth_line(
            at,
            host,
            sudo,
            &format!("{user} : TTY=pts/0 ; PWD=/home/{user} ; USER=root ; COMMAND={command}"),
        );
        self.auth_line(
            at,
            host,
            sudo,
            &format!(
                "pam_unix(sudo:session): session opened for user root(uid=0) by {user}(uid={uid})"
            ),
        );
    }
}
