//! Syslog over UDP: one datagram is one message; batches per sender are handed over
//! without waiting, and a batch the full pipeline refuses is counted in
//! `metrics.udp_drops`, message by message.

use super::{stopped, until, Listener, BATCH_DELAY, BATCH_MESSAGES};
use crate::ingest::batch::{BatchBuilder, Wait};
use crate::ingest::line::LineDecoder;
use crate::state::AppState;
use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, SocketAddr};
use tokio::net::UdpSocket;
use tokio::sync::watch;
use tokio::time::Instant;
use vigil_pipeline::intake::Source;

/// The kernel receive buffer asked for, so a burst waits in the kernel while a batch is
/// handed over instead of being dropped unseen (the kernel may grant less).
pub const RECEIVE_BUFFER_BYTES: usize = 8 << 20;

/// Largest UDP payload.
const MAX_DATAGRAM: usize = 65_535;

/// Listens for syslog over UDP on `addr`.
pub async fn serve_udp(addr: SocketAddr, state: AppState) -> io::Result<Listener> {
    let socket = bind(addr)?;
    let local_addr = socket.local_addr()?;
    let (stop_tx, stop) = watch::channel(false);
    let task = tokio::spawn(receive(socket, state, stop));
    Ok(Listener::new(local_addr, stop_tx, task))
}

fn bind(addr: SocketAddr) -> io::Result<UdpSocket> {
    let socket = socket2::Socket::new(
        socket2::Domain::for_address(addr),
        socket2::Type::DGRAM,
        Some(socket2::Protocol::UDP),
    )?;
    if let Err(err) = socket.set_recv_buffer_size(RECEIVE_BUFFER_BYTES) {
        tracing::debug!("syslog UDP receive buffer left as is: {err}");
    }
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    UdpSocket::from_std(socket.into())
}

/// The batches being filled, one per sender.
struct Pending {
    batches: HashMap<IpAddr, BatchBuilder>,
    messages: usize,
    decoder: LineDecoder,
    deadline: Option<Instant>,
}

async fn receive(socket: UdpSocket, state: AppState, mut stop: watch::Receiver<bool>) {
    let mut datagram = vec![0u8; MAX_DATAGRAM];
    let mut pending = Pending {
        batches: HashMap::new(),
        messages: 0,
        decoder: LineDecoder::default(),
        deadline: None,
    };
    loop {
        tokio::select! {
            received = socket.recv_from(&mut datagram) => match received {
                Ok((len, from)) => {
                    pending.take(&datagram[..len], from.ip().to_canonical(), &state);
                    if pending.is_full() {
                        pending.hand_over(&state);
                    }
                }
                // ICMP errors reported on the socket and the like: the next datagram is fine.
                Err(err) => tracing::debug!("syslog UDP receive failed: {err}"),
            },
            () = until(pending.deadline) => pending.hand_over(&state),
            () = stopped(&mut stop) => break,
        }
    }
    pending.hand_over(&state);
}

impl Pending {
    /// Enough messages (or senders) to hand over now.
    fn is_full(&self) -> bool {
        self.messages >= BATCH_MESSAGES || self.batches.len() >= BATCH_MESSAGES
    }

    fn take(&mut self, message: &[u8], peer: IpAddr, state: &AppState) {
        let batch = self.batches.entry(peer).or_insert_with(|| {
            BatchBuilder::new(Source::SyslogUdp, None, Some(peer), &state.limits)
        });
        let before = batch.len();
        let _ = batch.push_line(message, false, &mut self.decoder, None);
        self.messages += batch.len() - before;
        if self.deadline.is_none() && self.messages > 0 {
            self.deadline = Some(Instant::now() + BATCH_DELAY);
        }
    }

    /// Hands every batch over without waiting: each is submitted by its own task, and
    /// counted as dropped if the pipeline refuses it.
    fn hand_over(&mut self, state: &AppState) {
        self.deadline = None;
        self.messages = 0;
        self.decoder.refresh();
        for (_, batch) in self.batches.drain() {
            if batch.is_empty() {
                continue;
            }
            let intake = state.intake.clone();
            tokio::spawn(async move {
                let messages = batch.len() as u64;
                if let Err(err) = batch.submit(&intake, Wait::No).await {
                    intake.metrics().udp_drops.inc_by(messages);
                    tracing::debug!("syslog UDP batch of {messages} dropped: {err}");
                }
            });
        }
    }
}
