//! What the authentication and account programs of a Linux host say in their syslog
//! messages (auth.log, secure), decoded into ECS-style fields next to the syslog ones.
//!
//! [`decode`] looks at `program` and `message` of a parsed syslog event and adds
//! `event.action`, `event.outcome` (`success` / `failure`), `user.name`, `source.ip`,
//! `source.port`, and for sudo `user.effective.name`, `command`, `tty`, `pwd`
//! (`process.command_line`, `process.working_directory`). Handled: sshd, sudo, su,
//! useradd / usermod / userdel / groupadd / gpasswd, passwd / chpasswd, systemd-logind,
//! CRON, and the `pam_unix(...)` lines any of them writes. A message it does not know is
//! left as it is.

use std::net::IpAddr;
use vigil_event::{Event, Value};

/// Adds the decoded fields to `event` (a syslog event with `program` and `message`).
pub fn decode(event: &mut Event) {
    let (Some(program), Some(message)) = (event.get_str("program"), event.get_str("message"))
    else {
        return;
    };
    let mut found = Decoded::default();
    let message = message.trim();
    if let Some(rest) = message.strip_prefix("pam_unix(") {
        pam_unix(rest, &mut found);
    } else {
        match program {
            "sshd" => sshd(message, &mut found),
            "sudo" => sudo(message, &mut found),
            "su" => su(message, &mut found),
            "useradd" | "adduser" | "usermod" | "userdel" | "groupadd" | "groupdel"
            | "groupmod" | "gpasswd" => accounts(message, &mut found),
            "passwd" | "chpasswd" => passwd(message, &mut found),
            "systemd-logind" => logind(message, &mut found),
            "CRON" | "cron" | "crond" => cron(message, &mut found),
            _ => return,
        }
    }
    found.write(event);
}

#[derive(Default)]
struct Decoded {
    action: Option<&'static str>,
    outcome: Option<&'static str>,
    user: Option<String>,
    ip: Option<String>,
    port: Option<i64>,
    extra: Vec<(&'static str, String)>,
}

impl Decoded {
    fn write(self, event: &mut Event) {
        if let Some(action) = self.action {
            event.push("event.action", action);
        }
        if let Some(outcome) = self.outcome {
            event.push("event.outcome", outcome);
        }
        if let Some(user) = self.user.filter(|u| !u.is_empty()) {
            event.push("user.name", user);
        }
        if let Some(ip) = self.ip {
            event.push("source.ip", ip);
        }
        if let Some(port) = self.port {
            event.push("source.port", Value::Int(port));
        }
        for (name, value) in self.extra {
            event.push(name, value);
        }
    }

    fn set(&mut self, action: &'static str, outcome: Option<&'static str>) {
        self.action = Some(action);
        self.outcome = outcome;
    }

    /// Picks up `from <ip> [port <n>]`, `rhost=<ip>` or `[<ip>]` wherever they are.
    fn address(&mut self, text: &str) {
        let mut words = text
            .split([' ', ';', ','])
            .filter(|w| !w.is_empty())
            .peekable();
        while let Some(word) = words.next() {
            let candidate = match word {
                "from" | "by" => words.peek().copied(),
                _ => word
                    .strip_prefix("rhost=")
                    .or_else(|| word.strip_prefix('[').and_then(|w| w.strip_suffix(']'))),
            };
            if let Some(ip) = candidate.filter(|c| c.parse::<IpAddr>().is_ok()) {
                if self.ip.is_none() {
                    self.ip = Some(ip.to_owned());
                }
            }
            if word == "port" && self.ip.is_some() && self.port.is_none() {
                self.port = words
                    .peek()
                    .and_then(|p| p.trim_end_matches(':').split(':').next())
                    .and_then(|p| p.parse().ok());
            }
        }
    }
}

/// The word after `marker` (up to a space), if `text` has the marker.
fn word_after<'a>(text: &'a str, marker: &str) -> Option<&'a str> {
    let start = text.find(marker)? + marker.len();
    text[start..].split(' ').next().filter(|w| !w.is_empty())
}

/// `<user> from ...` after a prefix, skipping `invalid user ` / `illegal user `.
fn user_before_from(rest: &str) -> Option<String> {
    let rest = rest
        .strip_prefix("invalid user ")
        .or_else(|| rest.strip_prefix("illegal user "))
        .unwrap_or(rest);
    let end = rest.rfind(" from ").unwrap_or(rest.len());
    Some(rest[..end].to_owned())
}

fn sshd(message: &str, found: &mut Decoded) {
    const FAILED: [&str; 2] = [
        "Failed ",
        "error: maximum authentication attempts exceeded for ",
    ];
    if let Some(rest) = message.strip_prefix("Accepted ") {
        found.set("ssh_login", Some("success"));
        if let Some((method, rest)) = rest.split_once(" for ") {
            found.extra.push(("ssh.method", method.to_owned()));
            found.user = user_before_from(rest);
        }
    } else if let Some(rest) = message.strip_prefix(FAILED[0]) {
        found.set("ssh_login", Some("failure"));
        if let Some((method, rest)) = rest.split_once(" for ") {
            found.extra.push(("ssh.method", method.to_owned()));
            found.user = user_before_from(rest);
        }
    } else if let Some(rest) = message.strip_prefix(FAILED[1]) {
        found.set("ssh_login", Some("failure"));
        found.user = user_before_from(rest);
    } else if let Some(rest) = message
        .strip_prefix("Invalid user ")
        .or_else(|| message.strip_prefix("Illegal user "))
    {
        found.set("ssh_invalid_user", Some("failure"));
        found.user = user_before_from(rest);
    } else if let Some(rest) = message.strip_prefix("input_userauth_request: invalid user ") {
        found.set("ssh_invalid_user", Some("failure"));
        found.user = rest.split(' ').next().map(str::to_owned);
    } else if message.starts_with("Did not receive identification string")
        || message.starts_with("Bad protocol version identification")
        || message.starts_with("Unable to negotiate")
    {
        found.set("ssh_handshake_failed", Some("failure"));
    } else if message.contains("POSSIBLE BREAK-IN ATTEMPT") {
        found.set("ssh_reverse_mapping_failed", None);
    } else if let Some(rest) = message
        .strip_prefix("Connection closed by ")
        .or_else(|| message.strip_prefix("Disconnected from "))
        .or_else(|| message.strip_prefix("Received disconnect from "))
        .or_else(|| message.strip_prefix("Connection reset by "))
    {
        found.set("ssh_disconnect", None);
        for marker in ["authenticating user ", "invalid user ", "user "] {
            if let Some(user) = word_after(rest, marker) {
                found.user = Some(user.to_owned());
                break;
            }
        }
    } else if message.starts_with("Connection from ") {
        found.set("ssh_connection", None);
    } else {
        return;
    }
    found.address(message);
}

/// `pam_unix(<service>:<type>): ...`
fn pam_unix(rest: &str, found: &mut Decoded) {
    let Some((service, text)) = rest.split_once("): ") else {
        return;
    };
    found.extra.push(("pam.service", service.to_owned()));
    if let Some(rest) = text.strip_prefix("session opened for user ") {
        found.set("session_opened", Some("success"));
        found.user = rest.split([' ', '(']).next().map(str::to_owned);
    } else if let Some(rest) = text.strip_prefix("session closed for user ") {
        found.set("session_closed", Some("success"));
        found.user = rest.split([' ', '(']).next().map(str::to_owned);
    } else if text.starts_with("authentication failure") {
        found.set("authentication_failure", Some("failure"));
        found.user = word_after(text, " user=").map(str::to_owned);
        found.address(text);
    } else if let Some(rest) = text.strip_prefix("password changed for ") {
        found.set("password_changed", Some("success"));
        found.user = Some(rest.trim().to_owned());
    } else if let Some(rest) = text.strip_prefix("check pass; user unknown") {
        found.set("authentication_failure", Some("failure"));
        found.address(rest);
    }
}

/// `  alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/ls -l`, and the
/// failure forms `alice : 3 incorrect password attempts ; ...`,
/// `alice : user NOT in sudoers ; ...`.
fn sudo(message: &str, found: &mut Decoded) {
    let Some((user, rest)) = message.split_once(" : ") else {
        return;
    };
    found.user = Some(user.trim().to_owned());
    found.set("sudo_command", Some("success"));
    for part in rest.split(" ; ") {
        let part = part.trim();
        if let Some(v) = part.strip_prefix("TTY=") {
            found.extra.push(("tty", v.to_owned()));
        } else if let Some(v) = part.strip_prefix("PWD=") {
            found.extra.push(("pwd", v.to_owned()));
            found
                .extra
                .push(("process.working_directory", v.to_owned()));
        } else if let Some(v) = part.strip_prefix("USER=") {
            found.extra.push(("user.effective.name", v.to_owned()));
        } else if let Some(v) = part.strip_prefix("COMMAND=") {
            // The command is last and may itself contain ` ; `.
            let command = &rest[rest.find("COMMAND=").unwrap_or(0) + 8..];
            found.extra.push(("command", command.to_owned()));
            found
                .extra
                .push(("process.command_line", command.to_owned()));
            let _ = v;
            break;
        } else if part.contains("incorrect password attempt")
            || part.contains("NOT in sudoers")
            || part.contains("NOT allowed")
        {
            found.outcome = Some("failure");
            found.extra.push(("error.message", part.to_owned()));
        }
    }
}

/// `Successful su for root by alice`, `FAILED su for root by alice`, `+ pts/0 alice:root`,
/// `(to root) alice on pts/0`.
fn su(message: &str, found: &mut Decoded) {
    let (outcome, rest) = if let Some(rest) = message.strip_prefix("Successful su for ") {
        ("success", rest)
    } else if let Some(rest) = message.strip_prefix("FAILED su for ") {
        ("failure", rest)
    } else if let Some(rest) = message.strip_prefix("(to ") {
        if let Some((target, by)) = rest.split_once(") ") {
            found.set("su", Some("success"));
            found.user = by.split(' ').next().map(str::to_owned);
            found.extra.push(("user.effective.name", target.to_owned()));
        }
        return;
    } else {
        let (outcome, rest) = match message.split_once(' ') {
            Some(("+", rest)) => ("success", rest),
            Some(("-", rest)) => ("failure", rest),
            _ => return,
        };
        if let Some((user, target)) = rest.split(' ').nth(1).and_then(|w| w.split_once(':')) {
            found.set("su", Some(outcome));
            found.user = Some(user.to_owned());
            found.extra.push(("user.effective.name", target.to_owned()));
        }
        return;
    };
    found.set("su", Some(outcome));
    if let Some((target, by)) = rest.split_once(" by ") {
        found.user = Some(by.trim().to_owned());
        found.extra.push(("user.effective.name", target.to_owned()));
    }
}

/// `key=value, key=value` lists as useradd and groupadd write them.
fn list_value<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.split(", ")
        .find_map(|part| part.trim().strip_prefix(key)?.strip_prefix('='))
}

fn accounts(message: &str, found: &mut Decoded) {
    if let Some(rest) = message.strip_prefix("new user: ") {
        found.set("user_created", Some("success"));
        found.user = list_value(rest, "name").map(str::to_owned);
        if let Some(uid) = list_value(rest, "UID") {
            found.extra.push(("user.id", uid.to_owned()));
        }
        if let Some(shell) = list_value(rest, "shell") {
            found.extra.push(("user.shell", shell.to_owned()));
        }
    } else if let Some(rest) = message
        .strip_prefix("new group: ")
        .or_else(|| message.strip_prefix("group added to /etc/group: "))
    {
        found.set("group_created", Some("success"));
        if let Some(group) = list_value(rest, "name") {
            found.extra.push(("group.name", group.to_owned()));
        }
    } else if let Some(rest) = message.strip_prefix("add '") {
        // usermod -aG: add 'alice' to group 'sudo'
        let mut quoted = rest.split('\'');
        found.set("user_added_to_group", Some("success"));
        found.user = quoted.next().map(str::to_owned);
        if let Some(group) = quoted.nth(1) {
            found.extra.push(("group.name", group.to_owned()));
        }
    } else if let Some(rest) = message.strip_prefix("delete user '") {
        found.set("user_deleted", Some("success"));
        found.user = rest.split('\'').next().map(str::to_owned);
    } else if let Some(rest) = message.strip_prefix("change user '") {
        found.set("user_changed", Some("success"));
        found.user = rest.split('\'').next().map(str::to_owned);
    }
}

fn passwd(message: &str, found: &mut Decoded) {
    if let Some(rest) = message.strip_prefix("password for '") {
        found.set("password_changed", Some("success"));
        found.user = rest.split('\'').next().map(str::to_owned);
    }
}

fn logind(message: &str, found: &mut Decoded) {
    if let Some(rest) = message.strip_prefix("New session ") {
        found.set("session_created", Some("success"));
        found.user = word_after(rest, "of user ").map(|u| u.trim_end_matches('.').to_owned());
        if let Some(id) = rest.split(' ').next() {
            found.extra.push(("session.id", id.to_owned()));
        }
    } else if let Some(rest) = message.strip_prefix("Removed session ") {
        found.set("session_removed", Some("success"));
        found
            .extra
            .push(("session.id", rest.trim_end_matches('.').to_owned()));
    }
}

/// `(root) CMD (command)`.
fn cron(message: &str, found: &mut Decoded) {
    let Some(rest) = message.strip_prefix('(') else {
        return;
    };
    let Some((user, rest)) = rest.split_once(") ") else {
        return;
    };
    found.user = Some(user.to_owned());
    if let Some(command) = rest.strip_prefix("CMD (") {
        found.set("cron_command", None);
        let command = command.strip_suffix(')').unwrap_or(command);
        found.extra.push(("command", command.to_owned()));
        found
            .extra
            .push(("process.command_line", command.to_owned()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoded(program: &str, message: &str) -> Event {
        let mut e = Event::default();
        e.push("program", program);
        e.push("message", message);
        decode(&mut e);
        e
    }

    fn s<'a>(e: &'a Event, name: &str) -> Option<&'a str> {
        e.get_str(name)
    }

    #[test]
    fn sshd_logins() {
        let e = decoded(
            "sshd",
            "Accepted publickey for ubuntu from 85.245.107.41 port 54259 ssh2: RSA SHA256:Kl8k",
        );
        assert_eq!(s(&e, "event.action"), Some("ssh_login"));
        assert_eq!(s(&e, "event.outcome"), Some("success"));
        assert_eq!(s(&e, "user.name"), Some("ubuntu"));
        assert_eq!(s(&e, "source.ip"), Some("85.245.107.41"));
        assert_eq!(e.get("source.port"), Some(&Value::Int(54259)));
        assert_eq!(s(&e, "ssh.method"), Some("publickey"));

        let e = decoded(
            "sshd",
            "Failed password for invalid user admin from 2001:db8::7 port 40122 ssh2",
        );
        assert_eq!(s(&e, "event.outcome"), Some("failure"));
        assert_eq!(s(&e, "user.name"), Some("admin"));
        assert_eq!(s(&e, "source.ip"), Some("2001:db8::7"));

        let e = decoded("sshd", "Invalid user oracle from 49.4.143.105");
        assert_eq!(s(&e, "event.action"), Some("ssh_invalid_user"));
        assert_eq!(s(&e, "user.name"), Some("oracle"));
        assert_eq!(s(&e, "source.ip"), Some("49.4.143.105"));
        assert_eq!(e.get("source.port"), None);

        let e = decoded(
            "sshd",
            "Received disconnect from 10.0.0.9 port 2200:11: Bye Bye [preauth]",
        );
        assert_eq!(e.get("source.port"), Some(&Value::Int(2200)));
        let e = decoded("sshd", "reverse mapping checking getaddrinfo for x.example [1.2.3.4] failed - POSSIBLE BREAK-IN ATTEMPT!");
        assert_eq!(s(&e, "source.ip"), Some("1.2.3.4"));
        let e = decoded("sshd", "Server listening on 0.0.0.0 port 22.");
        assert_eq!(s(&e, "event.action"), None);
    }

    #[test]
    fn pam_lines() {
        let e = decoded("sshd", "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=116.31.116.24  user=root");
        assert_eq!(s(&e, "event.action"), Some("authentication_failure"));
        assert_eq!(s(&e, "user.name"), Some("root"));
        assert_eq!(s(&e, "source.ip"), Some("116.31.116.24"));
        assert_eq!(s(&e, "pam.service"), Some("sshd:auth"));
        let e = decoded(
            "sudo",
            "pam_unix(sudo:session): session opened for user root by ubuntu(uid=0)",
        );
        assert_eq!(s(&e, "event.action"), Some("session_opened"));
        assert_eq!(s(&e, "user.name"), Some("root"));
    }

    #[test]
    fn sudo_commands_and_failures() {
        let e = decoded("sudo", "ubuntu : TTY=pts/0 ; PWD=/home/ubuntu ; USER=root ; COMMAND=/usr/bin/tee -a /etc/x ; echo");
        assert_eq!(s(&e, "user.name"), Some("ubuntu"));
        assert_eq!(s(&e, "user.effective.name"), Some("root"));
        assert_eq!(s(&e, "tty"), Some("pts/0"));
        assert_eq!(s(&e, "pwd"), Some("/home/ubuntu"));
        assert_eq!(s(&e, "command"), Some("/usr/bin/tee -a /etc/x ; echo"));
        assert_eq!(s(&e, "event.outcome"), Some("success"));
        let e = decoded("sudo", "mallory : 3 incorrect password attempts ; TTY=pts/1 ; PWD=/tmp ; USER=root ; COMMAND=/bin/sh");
        assert_eq!(s(&e, "event.outcome"), Some("failure"));
        assert_eq!(s(&e, "command"), Some("/bin/sh"));
        let e = decoded("sudo", "no separator here");
        assert_eq!(s(&e, "user.name"), None);
    }

    #[test]
    fn su_accounts_logind_cron() {
        let e = decoded("su", "Successful su for root by alice");
        assert_eq!(
            (s(&e, "user.name"), s(&e, "user.effective.name")),
            (Some("alice"), Some("root"))
        );
        let e = decoded("su", "FAILED su for root by bob");
        assert_eq!(s(&e, "event.outcome"), Some("failure"));
        let e = decoded("su", "+ pts/0 alice:root");
        assert_eq!(s(&e, "user.effective.name"), Some("root"));
        let e = decoded(
            "useradd",
            "new user: name=backup2, UID=0, GID=0, home=/root, shell=/bin/bash, from=/dev/pts/0",
        );
        assert_eq!(s(&e, "event.action"), Some("user_created"));
        assert_eq!(
            (s(&e, "user.name"), s(&e, "user.id")),
            (Some("backup2"), Some("0"))
        );
        let e = decoded("usermod", "add 'backup2' to group 'sudo'");
        assert_eq!(
            (s(&e, "user.name"), s(&e, "group.name")),
            (Some("backup2"), Some("sudo"))
        );
        let e = decoded("groupadd", "group added to /etc/group: name=ops, GID=1002");
        assert_eq!(s(&e, "group.name"), Some("ops"));
        let e = decoded(
            "passwd",
            "pam_unix(passwd:chauthtok): password changed for alice",
        );
        assert_eq!(s(&e, "event.action"), Some("password_changed"));
        let e = decoded("systemd-logind", "New session 12 of user ubuntu.");
        assert_eq!(
            (s(&e, "user.name"), s(&e, "session.id")),
            (Some("ubuntu"), Some("12"))
        );
        let e = decoded(
            "CRON",
            "(root) CMD (   cd / && run-parts --report /etc/cron.hourly)",
        );
        assert_eq!(
            s(&e, "command"),
            Some("   cd / && run-parts --report /etc/cron.hourly")
        );
        assert_eq!(s(&e, "user.name"), Some("root"));
    }

    proptest::proptest! {
        #[test]
        fn never_panics(program in "sshd|sudo|su|useradd|usermod|CRON|systemd-logind|passwd", message in "\\PC{0,120}") {
            let _ = decoded(&program, &message);
            let _ = decoded(&program, &format!("pam_unix({message}"));
        }
    }
}
