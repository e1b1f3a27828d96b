//! The syslog listeners of `vigil serve`: UDP ([`serve_udp`]), TCP ([`serve_tcp`]) and TCP
//! over TLS ([`serve_tls`], certificate from [`tls_config`]).
//!
//! Each message is parsed as RFC 5424 or BSD syslog and its MSG decoded the way
//! `vigil hunt` decodes text logs (sshd, sudo, su..., web access and error lines, EVE
//! JSON; see `ingest::line`). A message that is not syslog at all is kept as an
//! event whose `message` is the whole line: devices send all sorts, and a lost line is
//! worse than an unparsed one. Only what is not text (NULs, control bytes, mostly invalid
//! UTF-8: a TLS handshake on the plain port, a port scan) goes to the quarantine, with
//! its reason.
//!
//! Syslog carries no credential: batches go to the pipeline with `agency_id: None` and
//! `peer: Some(sender address)`, and the pipeline attributes them by address.
//!
//! Messages are batched per sender: up to [`BATCH_MESSAGES`] or [`BATCH_DELAY`] after the
//! first, whichever comes first.
//!
//! - TCP and TLS: frames are cut by [`FrameDecoder`](vigil_formats::syslog::FrameDecoder)
//!   (octet counting or LF, detected per message; a frame over the message limit is cut
//!   and flagged truncated). A batch is handed over with `Intake::submit`, which waits
//!   while the pipeline is full; the connection is not read meanwhile, so the sender is
//!   slowed down by TCP itself and nothing is dropped. If the pipeline fails, the
//!   connection is closed (its sender reconnects and, if it queues, resends).
//! - UDP: one datagram is one message. Batches are handed over with `Intake::try_submit`;
//!   when the pipeline is full the batch is dropped and its messages counted in
//!   `metrics.udp_drops`: UDP has no way to slow a sender down.
//!
//! Each `serve_*` returns once its socket is bound (port 0 picks a free one;
//! [`Listener::local_addr`] says which), with the receiving loop spawned.

mod tcp;
mod tls;
mod udp;

pub use tcp::serve_tcp;
pub use tls::{serve_tls, tls_config};
pub use udp::serve_udp;

use std::net::SocketAddr;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Most messages in one batch.
pub const BATCH_MESSAGES: usize = 1000;

/// Longest a message waits for its batch to fill.
pub const BATCH_DELAY: Duration = Duration::from_millis(50);

/// A running listener. Dropping it stops the listener as [`Listener::shutdown`] does,
/// without waiting.
#[must_use = "dropping a Listener stops it"]
#[derive(Debug)]
pub struct Listener {
    local_addr: SocketAddr,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl Listener {
    fn new(local_addr: SocketAddr, stop: watch::Sender<bool>, task: JoinHandle<()>) -> Self {
        Listener {
            local_addr,
            stop,
            task,
        }
    }

    /// The address the listener is bound to.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Stops accepting, hands over what each connection has buffered, and returns when
    /// every connection is done. A connection waiting for a full pipeline waits for it:
    /// bound this with a timeout.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

/// Resolves when the listener is told to stop (or its handle is dropped).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|stop| *stop).await;
}

/// Resolves at `deadline`, or never when there is none.
async fn until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}
