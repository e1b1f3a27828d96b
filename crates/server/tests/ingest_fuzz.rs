//! Random and mangled input at the syslog listeners and every HTTP ingest endpoint: no
//! input may take the server down or make it fail (5xx), and well-formed messages still
//! get through afterwards. The generator is seeded (`VIGIL_FUZZ_SEED`), so a failing case
//! repeats.

mod common;

use common::{client, Harness, Options, Rng};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpStream, UdpSocket};
use vigil_server::state::Limits;
use vigil_server::syslog;

const LOCAL: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0);

/// Well-formed pieces the generator mangles and glues together.
const SEEDS: &[&[u8]] = &[
    b"<13>1 2024-05-01T10:00:00Z host app 1 ID [sd@1 a=\"b\\\"c\"] message\n",
    b"<38>May  1 10:00:00 web1 sshd[1]: Failed password for root from 10.0.0.1 port 22 ssh2\n",
    b"99999999999999999 <13>",
    b"12 <13>1 - - - -",
    b"{\"index\":{\"_index\":\"x\"}}\n{\"a\":{\"b\":[1,2,{\"c\":\"\\u00e9\"}]}}\n",
    b"{\"update\":{}}\n{\"doc\":{\"m\":1}}\n{\"delete\":{}}\n",
    b"{\"event\":\"line\",\"time\":\"1e400\",\"fields\":{\"k\":[1]}}",
    b"{\"event\":{\"winlog\":{\"channel\":\"Security\",\"event_id\":\"x\"}}}",
    b"[{\"m\":1},",
    b"#Fields: date time c-ip\n2024-05-01 00:00:00 1.2.3.4\n",
    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
    b"\xef\xbb\xbf\xff\xfe\x00\x00",
];

fn mangled(rng: &mut Rng) -> Vec<u8> {
    match rng.below(4) {
        0 => {
            let len = [0, 1, 17, 300, 4096, 70_000][rng.below(6)];
            rng.bytes(len)
        }
        1 => {
            let mut data = SEEDS[rng.below(SEEDS.len())].to_vec();
            for _ in 0..rng.below(8) {
                if data.is_empty() {
                    break;
                }
                let at = rng.below(data.len());
                match rng.below(3) {
                    0 => data[at] = rng.next() as u8,
                    1 => data.truncate(at),
                    _ => {
                        let piece = data[at..].to_vec();
                        data.extend_from_slice(&piece);
                    }
                }
            }
            data
        }
        2 => {
            let mut data = Vec::new();
            for _ in 0..1 + rng.below(20) {
                data.extend_from_slice(SEEDS[rng.below(SEEDS.len())]);
                data.extend_from_slice([&b""[..], b"\n", b"\r\n", b" ", b"\0"][rng.below(5)]);
            }
            data
        }
        _ => {
            // One very long line, with or without an octet count in front.
            let mut data = if rng.below(2) == 0 {
                b"300000 ".to_vec()
            } else {
                Vec::new()
            };
            data.extend(std::iter::repeat_n(b'z', 300_000));
            data
        }
    }
}

fn seed() -> u64 {
    std::env::var("VIGIL_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_1e55)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mangled_input_never_takes_the_server_down() {
    let h = Harness::with(Options {
        limits: Limits {
            max_message_bytes: 1024,
            max_body_bytes: 256 * 1024,
        },
        ..Options::default()
    })
    .await;
    let tcp = syslog::serve_tcp(LOCAL, h.state.clone()).await.unwrap();
    let udp = syslog::serve_udp(LOCAL, h.state.clone()).await.unwrap();
    let mut rng = Rng::new(seed());
    println!("VIGIL_FUZZ_SEED={}", seed());

    for _ in 0..60 {
        let payload = mangled(&mut rng);
        let mut stream = TcpStream::connect(tcp.local_addr()).await.unwrap();
        let _ = stream.write_all(&payload).await;
    }
    let sender = UdpSocket::bind(LOCAL).await.unwrap();
    for _ in 0..200 {
        let mut payload = mangled(&mut rng);
        payload.truncate(65_000);
        sender.send_to(&payload, udp.local_addr()).await.unwrap();
    }

    let endpoints = [
        ("/api/v1/ingest", "Bearer"),
        ("/_bulk", "ApiKey"),
        ("/logs-x/_bulk", "ApiKey"),
        ("/logs-x/_doc", "ApiKey"),
        ("/services/collector/event", "Splunk"),
        ("/services/collector/raw", "Splunk"),
    ];
    for case in 0..240 {
        let (path, scheme) = endpoints[rng.below(endpoints.len())];
        let mut request = client()
            .post(h.url(path))
            .header("authorization", format!("{scheme} {}", h.token));
        if rng.below(5) == 0 {
            request = request.header("content-encoding", "gzip");
        }
        let response = request
            .body(mangled(&mut rng))
            .send()
            .await
            .unwrap_or_else(|err| panic!("case {case} {path}: no answer: {err}"));
        assert!(
            response.status().as_u16() < 500,
            "case {case} {path}: {}",
            response.status()
        );
    }

    // Everything still works.
    let mut stream = TcpStream::connect(tcp.local_addr()).await.unwrap();
    stream
        .write_all(b"<13>May  1 10:00:00 h app: still alive over tcp\n")
        .await
        .unwrap();
    stream.shutdown().await.unwrap();
    sender
        .send_to(
            b"<13>May  1 10:00:00 h app: still alive over udp",
            udp.local_addr(),
        )
        .await
        .unwrap();
    let response = client()
        .post(h.url("/api/v1/ingest"))
        .bearer_auth(&h.token)
        .body("{\"message\":\"still alive over http\"}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    for transport in ["tcp", "udp", "http"] {
        let wanted = format!("still alive over {transport}");
        common::wait_until(|| {
            h.records()
                .iter()
                .any(|r| r.event.get_str("message") == Some(wanted.as_str()))
        })
        .await;
        assert!(
            h.records()
                .iter()
                .any(|r| r.event.get_str("message") == Some(wanted.as_str())),
            "{wanted} not delivered"
        );
    }
    assert!(!h.rejected().is_empty(), "garbage reached the quarantine");
}
