//! Lines per second of the text log reader on the corpus logs (`cargo bench --bench read_text`).

use std::time::Instant;
use vigil_formats::{corpus_dir, read_text_path, Collected};

fn main() {
    let Some(corpus) = corpus_dir() else {
        println!("skipped: corpus not found");
        return;
    };
    for name in [
        "logs/auth/elastic-examples/auth.log",
        "logs/web/elastic-examples/apache_logs",
        "logs/web/evtx-attack-samples/Tunna_rdp_tunnel_IIS.log",
    ] {
        let path = corpus.join(name);
        let rounds = 5;
        let started = Instant::now();
        let mut lines = 0;
        for _ in 0..rounds {
            let mut out = Collected::default();
            let stats = read_text_path(&path, &mut out);
            lines += stats.records + stats.issues;
        }
        let seconds = started.elapsed().as_secs_f64();
        println!("{name}: {:.0} lines/s", lines as f64 / seconds);
    }
}
