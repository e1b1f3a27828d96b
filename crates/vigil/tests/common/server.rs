//! A `vigil serve` child process on free ports, with helpers to talk to it.

use super::vigil;
use serde_json::Value;
use std::net::{TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A free TCP port (also free for UDP at the time of asking) on loopback.
pub fn free_port() -> u16 {
    loop {
        let tcp = TcpListener::bind("127.0.0.1:0").expect("binding loopback");
        let port = tcp.local_addr().unwrap().port();
        if UdpSocket::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

/// Runs a data-directory command (`agency add`, `token create`, …) and returns its stdout.
pub fn admin(data: &Path, args: &[&str]) -> String {
    let out = vigil()
        .args(args)
        .arg("--data-dir")
        .arg(data)
        .output()
        .expect("running vigil");
    assert!(
        out.status.success(),
        "vigil {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// A running `vigil serve`.
pub struct Server {
    pub child: Option<Child>,
    pub data: PathBuf,
    pub http_port: u16,
    pub syslog_port: u16,
    pub extra: Vec<String>,
    pub client: reqwest::blocking::Client,
}

impl Server {
    /// Starts `vigil serve` on `data` with extra flags and waits for `/health`.
    pub fn start(data: &Path, extra: &[&str]) -> Server {
        let mut server = Server {
            child: None,
            data: data.to_owned(),
            http_port: 0,
            syslog_port: 0,
            extra: extra.iter().map(|s| s.to_string()).collect(),
            client: reqwest::blocking::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .unwrap(),
        };
        server.restart();
        server
    }

    /// Starts the process again on new ports (after a kill).
    pub fn restart(&mut self) {
        self.http_port = free_port();
        self.syslog_port = free_port();
        let extra: Vec<&str> = self.extra.iter().map(String::as_str).collect();
        self.child = Some(spawn(&self.data, self.http_port, self.syslog_port, &extra));
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if let Ok(r) = self.client.get(self.url("/health")).send() {
                if r.status().is_success() {
                    return;
                }
            }
            if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                panic!("vigil serve exited early: {status}");
            }
            assert!(
                Instant::now() < deadline,
                "vigil serve did not become healthy"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.http_port)
    }

    /// `kill -9`.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// GET with a bearer token, as JSON.
    pub fn get_json(&self, path: &str, token: &str) -> Value {
        let response = self
            .client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .expect("GET");
        assert!(
            response.status().is_success(),
            "GET {path}: {}",
            response.status()
        );
        response.json().expect("JSON")
    }

    /// Polls `path` until `done` accepts the JSON answer, or panics after `secs`.
    pub fn wait_for(
        &self,
        path: &str,
        token: &str,
        secs: u64,
        done: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let answer = self.get_json(path, token);
            if done(&answer) {
                return answer;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting on {path}: {answer}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// The alerts of a rule, by polling until at least one exists.
    pub fn wait_for_alert(&self, token: &str, rule_fragment: &str) -> Value {
        let found = self.wait_for("/api/v1/alerts?limit=500", token, 30, |v| {
            v["alerts"]
                .as_array()
                .is_some_and(|a| a.iter().any(|x| mentions(x, rule_fragment)))
        });
        found["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| mentions(x, rule_fragment))
            .cloned()
            .unwrap()
    }
}

fn mentions(alert: &Value, fragment: &str) -> bool {
    let fragment = fragment.to_lowercase();
    ["rule_title", "rule_id"].iter().any(|k| {
        alert[k]
            .as_str()
            .is_some_and(|t| t.to_lowercase().contains(&fragment))
    })
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

fn spawn(data: &Path, http: u16, syslog: u16, extra: &[&str]) -> Child {
    let mut command: Command = vigil();
    command
        .arg("serve")
        .arg("--data-dir")
        .arg(data)
        .arg("--listen")
        .arg(format!("127.0.0.1:{http}"))
        .arg("--syslog")
        .arg(format!("127.0.0.1:{syslog}"))
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    command.spawn().expect("starting vigil serve")
}
