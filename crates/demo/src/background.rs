//! The benign background: the province's ordinary working day.
//!
//! First a fixed skeleton (every desk logs on in the morning, cron runs hourly on the Linux
//! servers, some machines install the monthly update or a browser update, the file servers
//! back up at night), then a weighted mix of small activities — people opening documents,
//! browsing, using shares, admins doing routine work, citizens reading the sites and filing
//! requests on the portal — until the day holds the requested number of events.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use rand::distr::weighted::WeightedIndex;
use rand::distr::Distribution;
use rand::rngs::StdRng;
use rand::Rng;

use crate::clock::{after, Day, Rhythm};
use crate::content::{self, pick};
use crate::linux::{Daemon, SshClient};
use crate::province::{Host, Inventory, Site, PORTAL_SITE};
use crate::timeline::Timeline;
use crate::web::Request;
use crate::windows::{Logon, LogonKind, Proc, Remote};

/// Adds about `target` benign events to `timeline`: the skeleton, then activities until the
/// target is reached (the last activity may overshoot it by a few events).
pub(crate) fn fill(
    timeline: &mut Timeline,
    inventory: &Inventory,
    date: NaiveDate,
    rng: StdRng,
    target: usize,
) {
    timeline.set_story(None);
    let goal = timeline.len() + target;
    let mut background = Background::new(timeline, inventory, date, rng);
    background.skeleton();
    let mix = WeightedIndex::new(ACTIVITIES.iter().map(|(_, weight)| weight))
        .expect("weights are positive");
    while background.timeline.len() < goal {
        let activity = ACTIVITIES[mix.sample(&mut background.rng)].0;
        background.run(activity);
    }
}

/// The small things that make up most of the day.
#[derive(Debug, Clone, Copy)]
enum Activity {
    LaunchApp,
    Browse,
    OpenDocument,
    ShareAccess,
    Unlock,
    MistypedPassword,
    ServerHousekeeping,
    DefenderUpdate,
    AdminPowerShell,
    LinuxAdmin,
    SiteVisit,
    PortalVisit,
}

/// How often each activity happens, relative to the others.
const ACTIVITIES: [(Activity, u32); 12] = [
    (Activity::LaunchApp, 22),
    (Activity::Browse, 26),
    (Activity::OpenDocument, 18),
    (Activity::ShareAccess, 10),
    (Activity::Unlock, 6),
    (Activity::MistypedPassword, 1),
    (Activity::ServerHousekeeping, 9),
    (Activity::DefenderUpdate, 3),
    (Activity::AdminPowerShell, 1),
    (Activity::LinuxAdmin, 1),
    (Activity::SiteVisit, 16),
    (Activity::PortalVisit, 12),
];

/// A workstation and its user's day: when they came and left.
struct Desk<'a> {
    host: &'a Host,
    site: &'a Site,
    arrived: DateTime<Utc>,
    left: DateTime<Utc>,
}

/// A Windows server and the service hosts that start its routine processes.
struct Server<'a> {
    host: &'a Host,
    site: &'a Site,
    scheduler: Proc,
    dcom: Proc,
}

const OFFICE: &str = "C:\\Program Files\\Microsoft Office\\root\\Office16";
const FOXIT: &str = "C:\\Program Files (x86)\\Foxit Software\\Foxit PDF Reader\\FoxitPDFReader.exe";
const ZALO: &str = "C:\\Users\\{user}\\AppData\\Local\\Programs\\Zalo\\Zalo.exe";
const TIWORKER: &str = "C:\\Windows\\WinSxS\\amd64_microsoft-windows-servicingstack_31bf3856ad364e35_10.0.19041.5545_none_7e0f8c8d6f2f1b2a\\TiWorker.exe";
const GOOGLE_UPDATER: &str =
    "C:\\Program Files (x86)\\Google\\GoogleUpdater\\134.0.6943.0\\updater.exe";

/// Programs that start with the desktop: image (`{user}` for the user) and arguments.
const TRAY_APPS: &[(&str, &str)] = &[
    ("C:\\Program Files\\UniKey\\UniKeyNT.exe", ""),
    (ZALO, " --autostart"),
];

/// Programs people start during the day, the same way.
const DESKTOP_APPS: &[(&str, &str)] = &[
    (ZALO, ""),
    (
        "C:\\Windows\\System32\\notepad.exe",
        " D:\\TaiLieu\\ghi_chu.txt",
    ),
    (
        "C:\\Program Files\\Microsoft Office\\root\\Office16\\EXCEL.EXE",
        "",
    ),
    ("C:\\Windows\\System32\\SnippingTool.exe", ""),
];

/// A program the user starts from the desktop (`explorer.exe`).
fn desktop_app(host: &Host, (image, args): (&str, &str), rng: &mut StdRng) -> Proc {
    let image = image.replace("{user}", &host.user().name);
    host.shell()
        .spawn(&image, &format!("\"{image}\"{args}"), rng)
}

/// The program that opens a document, and its arguments before the path and after it.
fn document_program(path: &str) -> (String, &'static str, &'static str) {
    match path.rsplit('.').next() {
        Some("docx") => (format!("{OFFICE}\\WINWORD.EXE"), " /n \"", "\" /o \"\""),
        Some("xlsx") => (format!("{OFFICE}\\EXCEL.EXE"), " \"", "\""),
        Some("pptx") => (format!("{OFFICE}\\POWERPNT.EXE"), " \"", "\""),
        _ => (FOXIT.to_owned(), " \"", "\""),
    }
}

/// Routine admin commands on the Linux web servers.
const SUDO_COMMANDS: &[&str] = &[
    "/usr/bin/systemctl reload nginx",
    "/usr/sbin/nginx -t",
    "/usr/bin/tail -n 200 /var/log/nginx/error.log",
    "/usr/bin/apt-get update",
    "/usr/bin/df -h",
    "/usr/bin/systemctl status php8.1-fpm",
];

/// Routine PowerShell an admin types on a Windows server.
const ADMIN_SCRIPTS: &[&str] = &[
    "Get-Service -Name W3SVC, WAS, LanmanServer | Select-Object Name, Status",
    "Get-ChildItem -Path D:\\SaoLuu -Filter *.bak | Sort-Object LastWriteTime -Descending | Select-Object -First 5",
    "Get-Volume | Select-Object DriveLetter, FileSystemLabel, SizeRemaining, Size",
    "Get-ScheduledTask -TaskPath \\SaoLuu\\ | Get-ScheduledTaskInfo | Select-Object TaskName, LastRunTime, LastTaskResult",
    "Get-HotFix | Sort-Object InstalledOn -Descending | Select-Object -First 3",
    "Test-Path -Path D:\\SaoLuu\\HomQua.bak",
];

struct Background<'a> {
    timeline: &'a mut Timeline,
    inventory: &'a Inventory,
    day: Day,
    date: NaiveDate,
    rng: StdRng,
    desks: Vec<Desk<'a>>,
    servers: Vec<Server<'a>>,
}

impl<'a> Background<'a> {
    fn new(
        timeline: &'a mut Timeline,
        inventory: &'a Inventory,
        date: NaiveDate,
        mut rng: StdRng,
    ) -> Self {
        let day = Day::new(date);
        let mut desks = Vec::new();
        let mut servers = Vec::new();
        for site in &inventory.sites {
            for host in &site.workstations {
                let arrived = day.between((6, 50), (8, 10), &mut rng);
                let left = day.between((16, 40), (18, 20), &mut rng);
                desks.push(Desk {
                    host,
                    site,
                    arrived,
                    left,
                });
            }
            for host in site.windows_servers() {
                let scheduler = host.services.svchost("netsvcs -p -s Schedule", &mut rng);
                let dcom = host.services.svchost("DcomLaunch -p", &mut rng);
                servers.push(Server {
                    host,
                    site,
                    scheduler,
                    dcom,
                });
            }
        }
        Background {
            timeline,
            inventory,
            day,
            date,
            rng,
            desks,
            servers,
        }
    }

    fn run(&mut self, activity: Activity) {
        match activity {
            Activity::LaunchApp => self.launch_app(),
            Activity::Browse => self.browse(),
            Activity::OpenDocument => self.open_document(),
            Activity::ShareAccess => self.share_access(),
            Activity::Unlock => self.unlock(false),
            Activity::MistypedPassword => self.unlock(true),
            Activity::ServerHousekeeping => self.server_housekeeping(),
            Activity::DefenderUpdate => self.defender_update(),
            Activity::AdminPowerShell => self.admin_powershell(),
            Activity::LinuxAdmin => self.linux_admin(),
            Activity::SiteVisit => self.site_visit(),
            Activity::PortalVisit => self.portal_visit(),
        }
    }

    // ----- skeleton -------------------------------------------------------------------------

    fn skeleton(&mut self) {
        for index in 0..self.desks.len() {
            self.working_day(index);
        }
        let inventory = self.inventory;
        for site in &inventory.sites {
            self.cron(&site.web);
            self.nightly_backup(&site.file_server);
        }
        let patched: Vec<&Host> = inventory
            .workstations()
            .chain(inventory.windows_servers())
            .filter(|_| self.rng.random_bool(0.3))
            .collect();
        for host in patched {
            self.monthly_update(host);
        }
        let chrome_updates: Vec<&Host> = inventory
            .workstations()
            .filter(|host| {
                host.browser().image.ends_with("chrome.exe") && self.rng.random_bool(0.15)
            })
            .collect();
        for host in chrome_updates {
            self.browser_update(host);
        }
    }

    /// Morning logon with the desktop, the tray apps and the browser starting.
    fn working_day(&mut self, index: usize) {
        let desk = &self.desks[index];
        let (host, rng) = (desk.host, &mut self.rng);
        let user = host.user();
        let logon = Logon::new(user, LogonKind::Interactive, "127.0.0.1", &host.name, rng);
        let mut at = desk.arrived;
        self.timeline.service_ticket(
            at,
            self.inventory.domain_controller(),
            user,
            &format!("{}$", host.name),
            host.ip,
        );
        at = after(at, 1, rng);
        self.timeline.logon(at, host, &logon, false, rng);
        at = after(at, 3, rng);
        self.timeline.process_start(at, host, host.shell());
        for &app in TRAY_APPS {
            at = after(at, 4, rng);
            self.timeline
                .process_start(at, host, &desktop_app(host, app, rng));
        }
        at = after(at, 40, rng);
        self.timeline.process_start(at, host, host.browser());
    }

    /// Root's hourly cron session on a Linux server.
    fn cron(&mut self, host: &Host) {
        let minute = self.rng.random_range(0..60);
        for hour in 0..24 {
            let at = self.day.local(hour, minute);
            let cron = Daemon {
                program: "CRON",
                pid: self.rng.random_range(2_000..60_000),
            };
            self.timeline.auth_line(
                at,
                host,
                cron,
                "pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)",
            );
            self.timeline.auth_line(
                after(at, 1, &mut self.rng),
                host,
                cron,
                "pam_unix(cron:session): session closed for user root",
            );
        }
    }

    /// The scheduled robocopy of a file server's shares to the hub's backup share.
    fn nightly_backup(&mut self, host: &Host) {
        let Some(server) = self.servers.iter().find(|s| s.host.name == host.name) else {
            return;
        };
        let rng = &mut self.rng;
        let at = self.day.between((22, 0), (22, 5), rng);
        let target = format!(
            "\\\\{}\\SaoLuu\\{}",
            self.inventory.hub().file_server.name,
            server.site.agency.code
        );
        let copy = server
            .scheduler
            .spawn(
                "C:\\Windows\\System32\\Robocopy.exe",
                &format!(
                    "robocopy D:\\DuLieu {target} /MIR /R:2 /W:5 /NP /LOG:D:\\Logs\\saoluu.log"
                ),
                rng,
            )
            .in_dir("D:\\");
        self.timeline.process_start(at, host, &copy);
    }

    /// Chrome updates itself and re-registers its elevation service.
    fn browser_update(&mut self, host: &Host) {
        let rng = &mut self.rng;
        let at = self.day.between((8, 0), (16, 0), rng);
        let version = format!("134.0.6998.{}", rng.random_range(35..120));
        let arguments = "--system --windows-service --service=update";
        let updater = host.services.spawn(
            GOOGLE_UPDATER,
            &format!("\"{GOOGLE_UPDATER}\" {arguments}"),
            rng,
        );
        self.timeline.process_start(at, host, &updater);
        let service = format!(
            "\"C:\\Program Files\\Google\\Chrome\\Application\\{version}\\elevation_service.exe\""
        );
        self.timeline.service_installed(
            after(at, 40, rng),
            host,
            "Google Chrome Elevation Service (GoogleChromeElevationService)",
            &service,
            "demand start",
        );
    }

    /// The month's cumulative update: servers at night, workstations over lunch.
    fn monthly_update(&mut self, host: &Host) {
        let rng = &mut self.rng;
        let at = if host.owner.is_some() {
            self.day.between((11, 40), (13, 20), rng)
        } else {
            self.day.between((2, 0), (4, 0), rng)
        };
        let dcom = host.services.svchost("DcomLaunch -p", rng);
        let orchestrator = dcom.spawn(
            "C:\\Windows\\System32\\MoUsoCoreWorker.exe",
            "C:\\Windows\\System32\\mousocoreworker.exe -Embedding",
            rng,
        );
        let installer = dcom.spawn(TIWORKER, &format!("{TIWORKER} -Embedding"), rng);
        let product = if host.owner.is_some() {
            "Windows 10 Version 22H2 for x64-based Systems"
        } else {
            "Microsoft server operating system version 21H2 for x64-based Systems"
        };
        let title = format!(
            "{}-{:02} Cumulative Update for {product} (KB50{})",
            self.date.year(),
            self.date.month(),
            rng.random_range(40_000..69_999)
        );
        self.timeline.process_start(at, host, &orchestrator);
        self.timeline
            .process_start(after(at, 30, rng), host, &installer);
        self.timeline
            .update_installed(after(at, 900, rng), host, &title, rng);
    }

    // ----- workstation activities ---------------------------------------------------------

    fn desk_index(&mut self) -> usize {
        self.rng.random_range(0..self.desks.len())
    }

    /// A moment during the desk's working day.
    fn desk_time(&mut self, index: usize) -> DateTime<Utc> {
        let at = self.day.sample(Rhythm::Office, &mut self.rng);
        let desk = &self.desks[index];
        let lead = Duration::seconds(self.rng.random_range(120..600));
        at.clamp(desk.arrived + lead, desk.left - lead)
    }

    fn launch_app(&mut self) {
        let index = self.desk_index();
        let at = self.desk_time(index);
        let desk = &self.desks[index];
        let (host, rng) = (desk.host, &mut self.rng);
        let app = desktop_app(host, pick(DESKTOP_APPS, rng), rng);
        self.timeline.process_start(at, host, &app);
    }

    fn browse(&mut self) {
        let index = self.desk_index();
        let mut at = self.desk_time(index);
        let desk = &self.desks[index];
        let (host, rng) = (desk.host, &mut self.rng);
        for _ in 0..rng.random_range(1..=3) {
            let name = pick(content::STAFF_SITES, rng);
            let address = content::resolve(name);
            self.timeline
                .dns_query(at, host, host.browser(), name, address);
            self.timeline.connection(
                after(at, 0, rng),
                host,
                host.browser(),
                Remote::new(address, 443, name),
                rng,
            );
            at = after(at, rng.random_range(20..240), rng);
        }
    }

    fn open_document(&mut self) {
        let index = self.desk_index();
        let mut at = self.desk_time(index);
        let desk = &self.desks[index];
        let (host, rng) = (desk.host, &mut self.rng);
        let path = content::document(&host.user().name, self.date.month(), rng);
        if path.contains("\\Downloads\\") {
            self.timeline.dns_query(
                at,
                host,
                host.browser(),
                "mail.minhson.gov.vn",
                content::resolve("mail.minhson.gov.vn"),
            );
            at = after(at, 3, rng);
            self.timeline.file_created(at, host, host.browser(), &path);
            at = after(at, 8, rng);
        }
        let (image, before, after_path) = document_program(&path);
        let command_line = format!("\"{image}\"{before}{path}{after_path}");
        let app = host.shell().spawn(&image, &command_line, rng);
        self.timeline.process_start(at, host, &app);
    }

    /// A user opens the agency's file share: a Kerberos service ticket and a network logon.
    fn share_access(&mut self) {
        let index = self.desk_index();
        let at = self.desk_time(index);
        let desk = &self.desks[index];
        let (host, rng) = (desk.host, &mut self.rng);
        let server = &desk.site.file_server;
        let user = host.user();
        self.timeline.service_ticket(
            at,
            self.inventory.domain_controller(),
            user,
            &format!("{}$", server.name),
            host.ip,
        );
        let logon = Logon::new(user, LogonKind::Network, &host.ip.to_string(), "-", rng);
        self.timeline
            .logon(after(at, 0, rng), server, &logon, false, rng);
    }

    /// Back from a meeting: the user unlocks the screen, sometimes after a typo.
    fn unlock(&mut self, typo: bool) {
        let index = self.desk_index();
        let mut at = self.desk_time(index);
        let desk = &self.desks[index];
        let (host, rng) = (desk.host, &mut self.rng);
        let logon = Logon::new(host.user(), LogonKind::Unlock, "127.0.0.1", &host.name, rng);
        if typo {
            self.timeline.failed_logon(at, host, &logon, "0xc000006a");
            at = after(at, 6, rng);
        }
        self.timeline.logon(at, host, &logon, false, rng);
    }

    // ----- server activities ----------------------------------------------------------------

    fn server_housekeeping(&mut self) {
        let rng = &mut self.rng;
        let server = &self.servers[rng.random_range(0..self.servers.len())];
        let at = self.day.sample(Rhythm::Steady, rng);
        let proc = match rng.random_range(0..4) {
            0 => server.scheduler.spawn("C:\\Windows\\system32\\taskhostw.exe", "taskhostw.exe -RegisterDevice -ProtectionStateChanged -FreeNetworkOnly", rng),
            1 => server.dcom.spawn("C:\\Windows\\system32\\wbem\\wmiprvse.exe", "C:\\Windows\\system32\\wbem\\wmiprvse.exe -secured -Embedding", rng),
            2 => server.dcom.spawn("C:\\Windows\\System32\\SearchProtocolHost.exe", "\"C:\\Windows\\system32\\SearchProtocolHost.exe\" Global\\UsGthrFltPipeMssGthrPipe1_ Global\\UsGthrCtrlFltPipeMssGthrPipe1 1 -2147483646 \"Software\\Microsoft\\Windows Search\" \"Mozilla/4.0 (compatible; MSIE 6.0; Windows NT; MS Search 4.0 Robot)\" \"C:\\ProgramData\\Microsoft\\Search\\Data\\Temp\\usgthrsvc\" \"DownLevelDaemon\"", rng),
            _ => server.scheduler.spawn("C:\\Windows\\System32\\sppsvc.exe", "C:\\Windows\\system32\\sppsvc.exe", rng),
        };
        self.timeline.process_start(at, server.host, &proc);
    }

    fn defender_update(&mut self) {
        let rng = &mut self.rng;
        let at = self.day.sample(Rhythm::Steady, rng);
        let hosts: Vec<&Host> = self
            .inventory
            .workstations()
            .chain(self.inventory.windows_servers())
            .collect();
        let host = hosts[rng.random_range(0..hosts.len())];
        let title = format!("Security Intelligence Update for Microsoft Defender Antivirus - KB2267602 (Version 1.425.{}.0)", rng.random_range(100..400));
        self.timeline.update_installed(at, host, &title, rng);
    }

    /// An IT officer connects to one of the agency's servers by Remote Desktop and checks it.
    fn admin_powershell(&mut self) {
        let rng = &mut self.rng;
        let server = &self.servers[rng.random_range(0..self.servers.len())];
        let (host, site) = (server.host, server.site);
        let mut at = self.day.sample(Rhythm::Office, rng);
        let from = &site.workstations[0];
        let logon = Logon::new(
            &site.admin,
            LogonKind::RemoteInteractive,
            &from.ip.to_string(),
            &from.name,
            rng,
        );
        self.timeline.logon(at, host, &logon, true, rng);
        let desktop = Proc::explorer(&site.admin, rng).run_as(site.admin.clone(), "High");
        at = after(at, 5, rng);
        self.timeline.process_start(at, host, &desktop);
        let shell = desktop.spawn(
            "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
            "\"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe\"",
            rng,
        );
        at = after(at, 30, rng);
        self.timeline.process_start(at, host, &shell);
        for _ in 0..rng.random_range(1..=3) {
            at = after(at, rng.random_range(10..120), rng);
            self.timeline
                .script_block(at, host, pick(ADMIN_SCRIPTS, rng), "", rng);
        }
    }

    /// An IT officer logs in to the agency's Linux web server with a key and runs a command.
    fn linux_admin(&mut self) {
        let rng = &mut self.rng;
        let sites = &self.inventory.sites;
        let site = &sites[rng.random_range(0..sites.len())];
        let host = &site.web;
        let mut at = self.day.sample(Rhythm::Office, rng);
        let sshd = Daemon {
            program: "sshd",
            pid: rng.random_range(2_000..60_000),
        };
        let client = SshClient {
            user: "vanhanh",
            ip: site.workstations[0].ip,
            port: rng.random_range(49_152..65_535),
        };
        self.timeline
            .ssh_accepted(at, host, sshd, client, "publickey", 1001);
        let session = rng.random_range(100..900);
        self.timeline.auth_line(
            at,
            host,
            Daemon {
                program: "systemd-logind",
                pid: 712,
            },
            &format!("New session {session} of user vanhanh."),
        );
        at = after(at, rng.random_range(10..90), rng);
        let sudo = Daemon {
            program: "sudo",
            pid: rng.random_range(2_000..60_000),
        };
        self.timeline
            .sudo(at, host, sudo, "vanhanh", 1001, pick(SUDO_COMMANDS, rng));
        at = after(at, rng.random_range(60..600), rng);
        self.timeline.auth_line(
            at,
            host,
            sshd,
            "pam_unix(sshd:session): session closed for user vanhanh",
        );
    }

    // ----- citizens on the public sites -----------------------------------------------------

    fn site_visit(&mut self) {
        let rng = &mut self.rng;
        let sites = &self.inventory.sites;
        let site = &sites[rng.random_range(0..sites.len())];
        let (host, name) = (&site.web, site.agency.site.as_str());
        let mut at = self.day.sample(Rhythm::Public, rng);
        let client = content::citizen_ip(rng);
        let user_agent = content::user_agent(rng);
        let bot = user_agent.contains("bot");
        let mut referer = if !bot && rng.random_bool(0.4) {
            "https://www.google.com/".to_owned()
        } else {
            String::new()
        };
        for page_number in 0..rng.random_range(1..=4) {
            let (stem, query) = content::site_page(rng);
            let request = Request {
                client,
                method: "GET",
                stem: &stem,
                query: &query,
                status: 200,
                user_agent,
                referer: &referer,
            };
            self.timeline.web_request(at, host, name, &request, rng);
            let page_url = format!("https://{name}{stem}");
            if !bot {
                for asset in content::ASSETS.iter().take(rng.random_range(1..=4)) {
                    let status = if page_number == 0 { 200 } else { 304 };
                    let request = Request {
                        stem: asset,
                        query: "",
                        status,
                        referer: &page_url,
                        ..request
                    };
                    self.timeline
                        .web_request(after(at, 0, rng), host, name, &request, rng);
                }
            }
            referer = page_url;
            at = after(at, rng.random_range(8..120), rng);
        }
    }

    fn portal_visit(&mut self) {
        let rng = &mut self.rng;
        let Some(host) = self.inventory.hub().portal.as_ref() else {
            return;
        };
        let mut at = self.day.sample(Rhythm::Public, rng);
        let client = content::citizen_ip(rng);
        let user_agent = content::user_agent(rng);
        let mut referer = String::new();
        for step in 0..rng.random_range(2..=7) {
            let (method, stem, query) = content::portal_request(step, rng);
            let status = match (method, rng.random_range(0..40)) {
                ("POST", _) if stem == "/dang-nhap" => 302,
                (_, 0) => 404,
                _ => 200,
            };
            let request = Request {
                client,
                method,
                stem: &stem,
                query: &query,
                status,
                user_agent,
                referer: &referer,
            };
            self.timeline
                .web_request(at, host, PORTAL_SITE, &request, rng);
            referer = format!("https://{PORTAL_SITE}{stem}");
            at = after(at, rng.random_range(5..150), rng);
        }
    }
}
