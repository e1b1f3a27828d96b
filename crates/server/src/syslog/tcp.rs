//! Syslog over TCP: the accept loop (shared with TLS, which wraps each connection first)
//! and the reading of one stream of frames into batches.

use super::{stopped, until, Listener, BATCH_DELAY, BATCH_MESSAGES};
use crate::ingest::batch::{BatchBuilder, Wait};
use crate::ingest::line::LineDecoder;
use crate::state::AppState;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio::time::Instant;
use vigil_formats::syslog::FrameDecoder;
use vigil_pipeline::intake::Source;

/// How much is read from a socket at a time.
const READ_CHUNK: usize = 64 * 1024;

/// Listens for syslog over plain TCP on `addr`.
pub async fn serve_tcp(addr: SocketAddr, state: AppState) -> io::Result<Listener> {
    let listener = TcpListener::bind(addr).await?;
    spawn_acceptor(listener, state, Source::SyslogTcp, |stream| async move {
        Ok(stream)
    })
}

/// Accepts connections on `listener`, turns each into a stream with `open` (a TLS
/// handshake, or nothing) and reads it.
pub(super) fn spawn_acceptor<S, F, Fut>(
    listener: TcpListener,
    state: AppState,
    source: Source,
    open: F,
) -> io::Result<Listener>
where
    S: AsyncRead + Unpin + Send + 'static,
    F: Fn(TcpStream) -> Fut + Send + 'static,
    Fut: Future<Output = io::Result<S>> + Send + 'static,
{
    let local_addr = listener.local_addr()?;
    let (stop_tx, mut stop) = watch::channel(false);
    let task = tokio::spawn(async move {
        let mut connections = JoinSet::new();
        loop {
            tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok((stream, peer)) => {
                        let opening = open(stream);
                        let (state, stop) = (state.clone(), stop.clone());
                        connections.spawn(serve_connection(opening, peer, source, state, stop));
                    }
                    Err(err) => {
                        // Out of file descriptors and the like: wait instead of spinning.
                        tracing::warn!(%local_addr, "syslog accept failed: {err}");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                },
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
                () = stopped(&mut stop) => break,
            }
        }
        drop(listener);
        while connections.join_next().await.is_some() {}
    });
    Ok(Listener::new(local_addr, stop_tx, task))
}

/// Opens one connection and reads it.
async fn serve_connection<S: AsyncRead + Unpin>(
    opening: impl Future<Output = io::Result<S>>,
    peer: SocketAddr,
    source: Source,
    state: AppState,
    stop: watch::Receiver<bool>,
) {
    match opening.await {
        Ok(stream) => read_stream(stream, peer.ip().to_canonical(), source, state, stop).await,
        Err(err) => tracing::debug!(%peer, "syslog connection not opened: {err}"),
    }
}

/// Reads frames from one connection until it closes, fails, or the listener stops, and
/// hands them over batch by batch; at the end, an unterminated last line counts as a
/// message.
async fn read_stream<S: AsyncRead + Unpin>(
    mut stream: S,
    peer: IpAddr,
    source: Source,
    state: AppState,
    mut stop: watch::Receiver<bool>,
) {
    let mut framer = FrameDecoder::new(state.limits.max_message_bytes);
    let mut decoder = LineDecoder::default();
    let mut buf: Vec<u8> = Vec::with_capacity(READ_CHUNK);
    let mut batch = BatchBuilder::new(source, None, Some(peer), &state.limits);
    let mut deadline: Option<Instant> = None;
    loop {
        buf.reserve(READ_CHUNK);
        let read = tokio::select! {
            read = stream.read_buf(&mut buf) => read,
            () = until(deadline) => {
                deadline = None;
                if !hand_over(&mut batch, &mut decoder, &state, peer).await {
                    return;
                }
                continue;
            }
            () = stopped(&mut stop) => break,
        };
        match read {
            Ok(0) => break,
            Ok(_) => {
                let decoded = framer.decode(&buf);
                for frame in &decoded.frames {
                    let _ = batch.push_line(frame.bytes, frame.truncated, &mut decoder, None);
                    if batch.len() >= BATCH_MESSAGES {
                        deadline = None;
                        if !hand_over(&mut batch, &mut decoder, &state, peer).await {
                            return;
                        }
                    }
                }
                let consumed = decoded.consumed;
                buf.drain(..consumed);
            }
            Err(err) => {
                tracing::debug!(%peer, "syslog connection failed: {err}");
                break;
            }
        }
        if deadline.is_none() && !batch.is_empty() {
            deadline = Some(Instant::now() + BATCH_DELAY);
        }
    }
    // What is left (an unterminated last line) is a message too.
    if let Some(frame) = framer.finish(&buf) {
        let _ = batch.push_line(frame.bytes, frame.truncated, &mut decoder, None);
    }
    hand_over(&mut batch, &mut decoder, &state, peer).await;
}

/// Hands the batch over, waiting while the pipeline is full; `false` when the pipeline
/// failed and the connection should close.
async fn hand_over(
    batch: &mut BatchBuilder,
    decoder: &mut LineDecoder,
    state: &AppState,
    peer: IpAddr,
) -> bool {
    if batch.is_empty() {
        return true;
    }
    let full = std::mem::replace(batch, batch.next());
    decoder.refresh();
    match full.submit(&state.intake, Wait::ForRoom).await {
        Ok(_) => true,
        Err(err) => {
            tracing::warn!(%peer, "syslog batch not stored, closing the connection: {err}");
            false
        }
    }
}
