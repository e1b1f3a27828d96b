//! Properties of a generated demo day: determinism, order, volume, shape and the stories.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::sync::OnceLock;
use vigil_demo::{
    attack_stories, default_agencies, expected_rule_ids, generate_day, generate_labelled_day,
    write_jsonl, Agency, DemoConfig, LabelledEvent,
};

/// The default day, generated once for all tests that only read it.
fn default_day() -> &'static [LabelledEvent] {
    static DAY: OnceLock<Vec<LabelledEvent>> = OnceLock::new();
    DAY.get_or_init(|| generate_labelled_day(&DemoConfig::default()))
}

fn jsonl(events: &[Value]) -> Vec<u8> {
    let mut out = Vec::new();
    write_jsonl(&mut out, events).expect("writing to memory");
    out
}

fn text<'a>(event: &'a Value, field: &str) -> Option<&'a str> {
    event.get(field).and_then(Value::as_str)
}

fn timestamp(event: &Value) -> DateTime<Utc> {
    let raw = text(event, "@timestamp").expect("every event has @timestamp");
    DateTime::parse_from_rfc3339(raw)
        .expect("RFC 3339")
        .with_timezone(&Utc)
}

#[test]
fn same_seed_gives_the_same_bytes_and_another_seed_does_not() {
    let config = DemoConfig {
        events_target: 4_000,
        ..DemoConfig::default()
    };
    let first = jsonl(&generate_day(&config));
    let second = jsonl(&generate_day(&config));
    assert_eq!(first, second);
    let other = jsonl(&generate_day(&DemoConfig {
        seed: config.seed + 1,
        ..config
    }));
    assert_ne!(first, other);
}

#[test]
fn events_are_in_time_order_within_the_local_day() {
    let date = DemoConfig::default().date;
    let midnight = Utc.from_utc_datetime(&date.and_hms_opt(0, 0, 0).unwrap()) - Duration::hours(7);
    let times: Vec<DateTime<Utc>> = default_day().iter().map(|e| timestamp(&e.event)).collect();
    assert!(
        times.windows(2).all(|pair| pair[0] <= pair[1]),
        "sorted by @timestamp"
    );
    assert!(*times.first().unwrap() >= midnight);
    assert!(*times.last().unwrap() < midnight + Duration::days(1));
}

#[test]
fn volume_is_close_to_the_target() {
    let day = default_day();
    let target = DemoConfig::default().events_target;
    assert!(
        day.len() >= target && day.len() <= target + 50,
        "{} events for {target}",
        day.len()
    );
    let small = generate_day(&DemoConfig {
        events_target: 6_000,
        ..DemoConfig::default()
    });
    assert!(
        (6_000..6_050).contains(&small.len()),
        "{} events for 6000",
        small.len()
    );
}

#[test]
fn background_is_97_to_99_percent() {
    let day = default_day();
    let benign = day.iter().filter(|e| e.story.is_none()).count();
    let share = benign as f64 / day.len() as f64;
    assert!((0.97..=0.99).contains(&share), "benign share {share:.4}");
}

#[test]
fn every_story_is_present_on_its_own_agency() {
    let agencies = default_agencies();
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for labelled in default_day() {
        if let Some(id) = labelled.story {
            *seen.entry(id).or_default() += 1;
            let story = attack_stories()
                .iter()
                .find(|s| s.id == id)
                .expect("known story id");
            assert_eq!(
                text(&labelled.event, "agency"),
                Some(story.agency(&agencies).name.as_str()),
                "{id}"
            );
        }
    }
    for story in attack_stories() {
        assert!(
            seen.get(story.id).copied().unwrap_or(0) >= 5,
            "story {} has too few events",
            story.id
        );
    }
}

#[test]
fn every_event_names_its_agency_host_and_time() {
    let names: BTreeSet<String> = default_agencies().into_iter().map(|a| a.name).collect();
    for labelled in default_day() {
        let event = &labelled.event;
        assert!(
            names.contains(text(event, "agency").unwrap_or_default()),
            "{event}"
        );
        let host = text(event, "host").unwrap_or_default();
        assert!(
            !host.is_empty() && host.is_ascii() && !host.contains(' '),
            "{event}"
        );
        timestamp(event);
    }
}

#[test]
fn windows_events_have_channel_integer_event_id_and_numbered_records() {
    let mut last_record: BTreeMap<(String, String), u64> = BTreeMap::new();
    let mut windows = 0;
    for event in default_day().iter().map(|e| &e.event) {
        let Some(channel) = text(event, "Channel") else {
            continue;
        };
        windows += 1;
        assert!(event["EventID"].is_u64(), "{event}");
        assert!(text(event, "Provider_Name").is_some(), "{event}");
        let computer = text(event, "Computer").expect("Computer");
        assert!(
            computer.starts_with(text(event, "host").unwrap()),
            "{event}"
        );
        let record = event["EventRecordID"].as_u64().expect("EventRecordID");
        let previous = last_record.insert((computer.to_owned(), channel.to_owned()), record);
        assert!(
            previous.is_none_or(|p| p < record),
            "record ids increase per log: {event}"
        );
    }
    assert!(windows > default_day().len() / 2);
}

#[test]
fn linux_and_web_events_name_their_log_source() {
    for event in default_day().iter().map(|e| &e.event) {
        if event.get("Channel").is_some() {
            continue;
        }
        match text(event, "logsource.product") {
            Some("linux") => {
                assert_eq!(text(event, "logsource.service"), Some("auth"));
                assert!(
                    text(event, "message").is_some() && event["pid"].is_u64(),
                    "{event}"
                );
            }
            _ => {
                assert_eq!(
                    text(event, "logsource.category"),
                    Some("webserver"),
                    "{event}"
                );
                assert!(
                    event["sc-status"].is_u64() && text(event, "cs-uri-stem").is_some(),
                    "{event}"
                );
            }
        }
    }
}

#[test]
fn json_lines_are_valid_and_round_trip() {
    let events: Vec<Value> = default_day().iter().map(|e| e.event.clone()).collect();
    let bytes = jsonl(&events);
    let text = String::from_utf8(bytes).expect("UTF-8");
    let parsed: Vec<Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).expect("valid JSON"))
        .collect();
    assert_eq!(parsed, events);
    assert!(text.ends_with('\n'));
}

/// Attackers come only from the RFC 5737 documentation networks.
#[test]
fn attacker_addresses_are_documentation_addresses() {
    let documentation = |ip: Ipv4Addr| {
        matches!(
            ip.octets(),
            [192, 0, 2, _] | [198, 51, 100, _] | [203, 0, 113, _]
        )
    };
    let mut external = 0;
    for labelled in default_day().iter().filter(|e| e.story.is_some()) {
        for field in ["c-ip", "IpAddress", "DestinationIp"] {
            if let Some(ip) = text(&labelled.event, field).and_then(|v| v.parse::<Ipv4Addr>().ok())
            {
                if !ip.is_private() && !ip.is_loopback() {
                    external += 1;
                    assert!(documentation(ip), "{}", labelled.event);
                }
            }
        }
    }
    assert!(external > 50);
}

#[test]
fn stories_are_described_with_techniques_and_rules() {
    let stories = attack_stories();
    assert_eq!(stories.len(), 6);
    let mut ids = BTreeSet::new();
    for story in stories {
        assert!(ids.insert(story.id), "unique id {}", story.id);
        for text in [
            story.title_vi,
            story.title_en,
            story.summary_vi,
            story.summary_en,
        ] {
            assert!(!text.is_empty(), "{}", story.id);
        }
        assert!(
            !story.techniques.is_empty() && !story.rule_ids.is_empty(),
            "{}",
            story.id
        );
        for technique in story.techniques {
            let (base, sub) = technique.split_once('.').unwrap_or((technique, "000"));
            assert!(
                base.len() == 5
                    && base.starts_with('T')
                    && base[1..].bytes().all(|b| b.is_ascii_digit()),
                "{technique}"
            );
            assert!(
                sub.len() == 3 && sub.bytes().all(|b| b.is_ascii_digit()),
                "{technique}"
            );
        }
    }
    let expected = expected_rule_ids();
    assert!(
        expected.windows(2).all(|pair| pair[0] < pair[1]),
        "sorted and unique"
    );
    assert!(expected
        .iter()
        .all(|id| id.len() == 36 && id.split('-').count() == 5));
}

#[test]
fn a_short_agency_list_still_hosts_every_story() {
    let agencies = vec![
        Agency::new("Sở Nội vụ", "SNV", "snv", 3),
        Agency::new("UBND phường Hòa Bình", "PHB", "hoabinh", 0),
    ];
    let config = DemoConfig {
        agencies: agencies.clone(),
        events_target: 2_000,
        ..DemoConfig::default()
    };
    let day = generate_labelled_day(&config);
    let stories: BTreeSet<&str> = day.iter().filter_map(|e| e.story).collect();
    assert_eq!(stories.len(), attack_stories().len());
    let names: BTreeSet<&str> = agencies.iter().map(|a| a.name.as_str()).collect();
    assert!(day
        .iter()
        .all(|e| names.contains(text(&e.event, "agency").unwrap())));
    assert!(day
        .iter()
        .any(|e| text(&e.event, "host") == Some("PHB-PC001")));
}

#[test]
fn another_date_moves_the_whole_day() {
    let date = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
    let day = generate_day(&DemoConfig {
        date,
        events_target: 2_000,
        ..DemoConfig::default()
    });
    assert!(day.iter().all(|e| {
        let local = timestamp(e) + Duration::hours(7);
        local.date_naive() == date
    }));
}

/// Every expected rule id is a real rule of the SigmaHQ corpus, when the corpus is present.
#[test]
fn expected_rules_exist_in_the_corpus() {
    let root = std::env::var_os("VIGIL_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus")
        });
    let rules = root.join("sigma/rules");
    if !rules.is_dir() {
        println!("skipped: corpus not found");
        return;
    }
    let mut ids = BTreeSet::new();
    let mut pending = vec![rules];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("readable corpus").flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "yml") {
                let yaml = std::fs::read_to_string(&path).expect("readable rule");
                if let Some(line) = yaml.lines().find(|l| l.starts_with("id:")) {
                    ids.insert(line[3..].trim().to_owned());
                }
            }
        }
    }
    for id in expected_rule_ids() {
        assert!(ids.contains(id), "rule {id} is not in sigma/rules");
    }
}
