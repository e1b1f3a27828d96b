//! The attack stories hidden in the demo day, each a coherent chain on one agency's hosts.
//!
//! [`attack_stories`] describes them (in Vietnamese and English, with ATT&CK techniques and
//! the SigmaHQ rules that catch them) so a console can explain what the demo shows. Each
//! story lives in its own file: its description and its script side by side.
//!
//! Attacker infrastructure uses the documentation address ranges of RFC 5737 and a
//! fictional look-alike domain, so the demo never points at a real third party.
//!
//! The `rule_ids` of each story are the rules of the corpus `sigma/rules` that matched the
//! story's events when the whole rule set was run over several generated days with a
//! reference Sigma engine (SQLite queries from pySigma, Sysmon 1 and Security 4688 mapped to
//! `process_creation` as `sigma/tests/thor.yml` does). None of those rules matched the
//! background.

mod credential_theft;
mod phishing;
mod ransomware_prep;
mod rdp_spray;
mod ssh_brute_force;
mod web_portal;

use chrono::{DateTime, Duration, Utc};
use rand::rngs::StdRng;
use rand::Rng;
use std::fmt;
use std::net::Ipv4Addr;

use crate::clock::{after, Day};
use crate::province::{Agency, Host, Inventory, Site};
use crate::timeline::Timeline;
use crate::windows::{Account, Proc, Remote};

/// One attack story of the demo day.
pub struct Story {
    /// Stable identifier, e.g. `phishing-macro`; [`crate::LabelledEvent::story`] uses it.
    pub id: &'static str,
    pub title_vi: &'static str,
    pub title_en: &'static str,
    /// What happens, for the agencies of [`crate::default_agencies`].
    pub summary_vi: &'static str,
    pub summary_en: &'static str,
    /// MITRE ATT&CK technique ids, in the order the story uses them.
    pub techniques: &'static [&'static str],
    /// Ids of the SigmaHQ rules (corpus `sigma/rules`) that match the story's events.
    pub rule_ids: &'static [&'static str],
    /// Position of the agency in [`crate::DemoConfig::agencies`] (wrapping); 0 is the hub.
    pub agency_slot: usize,
    /// Local time (UTC+7) around which the story starts, as (hour, minute).
    pub starts_around: (u32, u32),
    play: fn(&mut Scene<'_>),
}

impl Story {
    /// The agency this story happens at, for a given agency list.
    pub fn agency<'a>(&self, agencies: &'a [Agency]) -> &'a Agency {
        &agencies[self.agency_slot % agencies.len()]
    }
}

impl fmt::Debug for Story {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Story")
            .field("id", &self.id)
            .field("techniques", &self.techniques)
            .finish_non_exhaustive()
    }
}

static STORIES: [Story; 6] = [
    rdp_spray::STORY,
    ssh_brute_force::STORY,
    phishing::STORY,
    credential_theft::STORY,
    web_portal::STORY,
    ransomware_prep::STORY,
];

/// Every attack story of the demo day, in the order they start.
pub fn attack_stories() -> &'static [Story] {
    &STORIES
}

/// The SigmaHQ rule ids the demo day is built to trigger: every story's rules, sorted.
pub fn expected_rule_ids() -> Vec<&'static str> {
    let mut ids: Vec<&'static str> = STORIES
        .iter()
        .flat_map(|s| s.rule_ids.iter().copied())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Plays every story into `timeline`, each with its own random stream.
pub(crate) fn play_all(timeline: &mut Timeline, inventory: &Inventory, day: &Day, seed: u64) {
    for story in &STORIES {
        timeline.set_story(Some(story.id));
        let mut rng = crate::stream(seed, story.id);
        let (hour, minute) = story.starts_around;
        let start = day.local(hour, minute) + Duration::seconds(rng.random_range(-1_200..1_200));
        let site = inventory.site_at(story.agency_slot);
        let mut scene = Scene {
            timeline,
            inventory,
            site,
            rng,
            at: start,
        };
        (story.play)(&mut scene);
    }
    timeline.set_story(None);
}

/// What a story script works with: where it is, the clock, and its random stream.
struct Scene<'a> {
    timeline: &'a mut Timeline,
    inventory: &'a Inventory,
    site: &'a Site,
    rng: StdRng,
    at: DateTime<Utc>,
}

impl Scene<'_> {
    /// Moves the story's clock on by about `seconds` and returns the new time.
    fn wait(&mut self, seconds: i64) -> DateTime<Utc> {
        self.at = after(self.at, seconds, &mut self.rng);
        self.at
    }

    /// A random workstation of the story's agency.
    fn workstation(&mut self) -> Host {
        let all = &self.site.workstations;
        all[self.rng.random_range(0..all.len())].clone()
    }

    /// An address in one of the RFC 5737 documentation networks.
    fn attacker_ip(&mut self, [a, b, c]: [u8; 3]) -> Ipv4Addr {
        Ipv4Addr::new(a, b, c, self.rng.random_range(20..240))
    }

    /// `parent` starts a child process after about `seconds`.
    fn run(
        &mut self,
        host: &Host,
        parent: &Proc,
        seconds: i64,
        image: &str,
        command_line: &str,
    ) -> Proc {
        let at = self.wait(seconds);
        let child = parent.spawn(image, command_line, &mut self.rng);
        self.timeline.process_start(at, host, &child);
        child
    }

    /// A command line typed at an interactive `cmd.exe`, which passes it on with two spaces
    /// after the program name; `net` hands its work to `net1` as Windows does.
    fn typed(&mut self, host: &Host, shell: &Proc, seconds: i64, line: &str) -> Proc {
        let (program, args) = line.split_once(' ').unwrap_or((line, ""));
        let image = match program {
            "wmic" => system32("wbem\\WMIC.exe"),
            _ => system32(&format!("{program}.exe")),
        };
        let command_line = if args.is_empty() {
            program.to_owned()
        } else {
            format!("{program}  {args}")
        };
        let process = self.run(host, shell, seconds, &image, &command_line);
        if program == "net" {
            self.run(
                host,
                &process,
                0,
                &system32("net1.exe"),
                &format!("C:\\Windows\\system32\\net1  {args}"),
            );
        }
        process
    }

    /// `parent` runs `cmd.exe /c line`, and cmd runs the program.
    fn via_cmd(&mut self, host: &Host, parent: &Proc, seconds: i64, line: &str) -> Proc {
        let shell = self.run(
            host,
            parent,
            seconds,
            &system32("cmd.exe"),
            &format!("cmd.exe /c {line}"),
        );
        self.typed(host, &shell, 0, line)
    }

    /// `process` connects to `remote` after about `seconds`.
    fn connect(&mut self, host: &Host, process: &Proc, seconds: i64, remote: Remote<'_>) {
        let at = self.wait(seconds);
        self.timeline
            .connection(at, host, process, remote, &mut self.rng);
    }

    /// `process` writes `path` after about `seconds`.
    fn write_file(&mut self, host: &Host, process: &Proc, seconds: i64, path: &str) {
        let at = self.wait(seconds);
        self.timeline.file_created(at, host, process, path);
    }

    /// PowerShell logs a script block after about `seconds`.
    fn script_block(&mut self, host: &Host, seconds: i64, text: &str) {
        let at = self.wait(seconds);
        self.timeline
            .script_block(at, host, text, "", &mut self.rng);
    }
}

/// A system tool's full path.
fn system32(file: &str) -> String {
    format!("C:\\Windows\\System32\\{file}")
}

/// `lsass.exe`, as a target of credential theft.
fn lsass(rng: &mut StdRng) -> Proc {
    let image = system32("lsass.exe");
    Proc::root(&image, &image, Account::system(), "System", rng)
}

/// The call stack of a handle to LSASS opened for a memory dump by `module`.
fn dump_call_trace(module: &str, offset: u32) -> String {
    [
        "C:\\Windows\\SYSTEM32\\ntdll.dll+9d4c4",
        "C:\\Windows\\System32\\KERNELBASE.dll+2c13e",
        "C:\\Windows\\SYSTEM32\\dbgcore.DLL+6c3a",
        "C:\\Windows\\SYSTEM32\\dbgcore.DLL+6f22",
        &format!("{module}+{offset:x}"),
        "C:\\Windows\\System32\\KERNEL32.DLL+17614",
        "C:\\Windows\\SYSTEM32\\ntdll.dll+526f1",
    ]
    .join("|")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn call_traces_name_the_dumping_module() {
        let trace = dump_call_trace("C:\\Windows\\System32\\comsvcs.dll", 0x3e2f4);
        assert!(trace.contains("|C:\\Windows\\System32\\comsvcs.dll+3e2f4|"));
        assert!(trace.contains("dbgcore.DLL"));
    }
}
