//! Windows events: Sysmon, Security, System and PowerShell records, flat as Sigma reads them.
//!
//! Each event kind has one builder on [`Timeline`]; processes are [`Proc`] values that carry
//! their identity (GUID, PID, image, command line, user) so that a child's Sysmon record
//! names its real parent and later network, file and registry records name the same process.

use chrono::{DateTime, Utc};
use rand::rngs::StdRng;
use rand::Rng;
use std::net::Ipv4Addr;

use crate::fnv1a;
use crate::province::{Host, AD_DOMAIN};
use crate::timeline::{Record, Timeline};

const SYSMON_CHANNEL: &str = "Microsoft-Windows-Sysmon/Operational";
const SYSMON_PROVIDER: &str = "Microsoft-Windows-Sysmon";
const SECURITY_CHANNEL: &str = "Security";
const SECURITY_PROVIDER: &str = "Microsoft-Windows-Security-Auditing";
const EVENTLOG_PROVIDER: &str = "Microsoft-Windows-Eventlog";
const SYSTEM_CHANNEL: &str = "System";
const POWERSHELL_CHANNEL: &str = "Microsoft-Windows-PowerShell/Operational";
const POWERSHELL_PROVIDER: &str = "Microsoft-Windows-PowerShell";
const SYSTEM_SID: &str = "S-1-5-18";

/// A Windows security principal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Account {
    pub domain: String,
    pub name: String,
    pub sid: String,
}

impl Account {
    pub fn new(domain: &str, name: &str, sid: &str) -> Self {
        Account {
            domain: domain.to_owned(),
            name: name.to_owned(),
            sid: sid.to_owned(),
        }
    }

    pub fn system() -> Self {
        Account::new("NT AUTHORITY", "SYSTEM", SYSTEM_SID)
    }

    /// The virtual account of an IIS application pool.
    pub fn app_pool(pool: &str) -> Self {
        Account::new(
            "IIS APPPOOL",
            pool,
            "S-1-5-82-1036420768-1044797643-1061213386-2937092688-4282445334",
        )
    }

    /// A local (non-domain) account on `host`.
    pub fn local(host: &Host, name: &str, rid: u32) -> Self {
        Account::new(
            &host.name,
            name,
            &format!("S-1-5-21-1004336348-1177238915-682003330-{rid}"),
        )
    }

    /// `DOMAIN\name`, as Sysmon writes users.
    pub fn qualified(&self) -> String {
        format!("{}\\{}", self.domain, self.name)
    }

    fn is_system(&self) -> bool {
        self.sid == SYSTEM_SID
    }

    /// The id of the account's interactive logon session today (`0x3e7` for SYSTEM).
    fn logon_id(&self) -> String {
        if self.is_system() {
            return "0x3e7".to_owned();
        }
        format!("0x{:x}", 0x2_0000 + fnv1a(&self.sid) % 0x7f_ffff)
    }
}

/// Version information Windows reads from a binary, as Sysmon reports it.
struct Binary {
    original: &'static str,
    description: &'static str,
    product: &'static str,
    company: &'static str,
}

const WINDOWS_PRODUCT: &str = "Microsoft® Windows® Operating System";
const MICROSOFT: &str = "Microsoft Corporation";

/// The version resources of the binaries the demo runs, by lower-case file name.
fn binary(file_name: &str) -> Binary {
    let windows = |original, description| Binary {
        original,
        description,
        product: WINDOWS_PRODUCT,
        company: MICROSOFT,
    };
    let office = |original, description| Binary {
        original,
        description,
        product: "Microsoft Office",
        company: MICROSOFT,
    };
    let sysinternals = |original, description, product| Binary {
        original,
        description,
        product,
        company: "Sysinternals - www.sysinternals.com",
    };
    match file_name {
        "explorer.exe" => windows("EXPLORER.EXE", "Windows Explorer"),
        "svchost.exe" => windows("svchost.exe", "Host Process for Windows Services"),
        "services.exe" => windows("services.exe", "Services and Controller app"),
        "userinit.exe" => windows("USERINIT.EXE", "Userinit Logon Application"),
        "taskhostw.exe" => windows("taskhostw.exe", "Host Process for Windows Tasks"),
        "tiworker.exe" => windows("TiWorker.exe", "Windows Modules Installer Worker"),
        "mousocoreworker.exe" => windows("MoUsoCoreWorker.exe", "MoUSO Core Worker Process"),
        "searchprotocolhost.exe" => windows(
            "SearchProtocolHost.exe",
            "Microsoft Windows Search Protocol Host",
        ),
        "notepad.exe" => windows("NOTEPAD.EXE", "Notepad"),
        "snippingtool.exe" => windows("SnippingTool.exe", "Snipping Tool"),
        "sppsvc.exe" => windows(
            "sppsvc.exe",
            "Microsoft Software Protection Platform Service",
        ),
        "wmiprvse.exe" => windows("Wmiprvse.exe", "WMI Provider Host"),
        "net1.exe" => windows("net1.exe", "Net Command"),
        "w3wp.exe" => windows("w3wp.exe", "IIS Worker Process"),
        "robocopy.exe" => windows("robocopy.exe", "Microsoft® Robust File Copy"),
        "powershell.exe" => windows("PowerShell.EXE", "Windows PowerShell"),
        "cmd.exe" => windows("Cmd.Exe", "Windows Command Processor"),
        "conhost.exe" => windows("CONHOST.EXE", "Console Window Host"),
        "certutil.exe" => windows("CertUtil.exe", "CertUtil.exe"),
        "bitsadmin.exe" => windows("bitsadmin.exe", "BITS administration utility"),
        "schtasks.exe" => windows("schtasks.exe", "Task Scheduler Configuration Tool"),
        "reg.exe" => windows("reg.exe", "Registry Console Tool"),
        "whoami.exe" => windows("whoami.exe", "whoami - displays logged on user information"),
        "net.exe" => windows("net.exe", "Net Command"),
        "nltest.exe" => windows("nltestrk.exe", "Microsoft® Logon Server Test Utility"),
        "rundll32.exe" => windows("RUNDLL32.EXE", "Windows host process (Rundll32)"),
        "tasklist.exe" => windows("tasklist.exe", "Lists the current running tasks"),
        "findstr.exe" => windows("FINDSTR.EXE", "Find String (QGREP) Utility"),
        "ipconfig.exe" => windows("ipconfig.exe", "IP Configuration Utility"),
        "quser.exe" => windows("quser.exe", "Query User Utility"),
        "vssadmin.exe" => windows(
            "VSSADMIN.EXE",
            "Command Line Interface for Microsoft® Volume Shadow Copy Service ",
        ),
        "wmic.exe" => windows("wmic.exe", "WMI Commandline Utility"),
        "wevtutil.exe" => windows("wevtutil.exe", "Eventing Command Line Utility"),
        "bcdedit.exe" => windows("bcdedit.exe", "Boot Configuration Data Editor"),
        "winword.exe" => office("WinWord.exe", "Microsoft Word"),
        "excel.exe" => office("Excel.exe", "Microsoft Excel"),
        "powerpnt.exe" => office("POWERPNT.EXE", "Microsoft PowerPoint"),
        "updater.exe" => Binary {
            original: "updater.exe",
            description: "Google Updater",
            product: "Google Updater",
            company: "Google LLC",
        },
        "chrome.exe" => Binary {
            original: "chrome.exe",
            description: "Google Chrome",
            product: "Google Chrome",
            company: "Google LLC",
        },
        "browser.exe" => Binary {
            original: "browser.exe",
            description: "Cốc Cốc",
            product: "Cốc Cốc",
            company: "COC COC Company Limited",
        },
        "zalo.exe" => Binary {
            original: "Zalo.exe",
            description: "Zalo",
            product: "Zalo",
            company: "VNG Corporation",
        },
        "unikeynt.exe" => Binary {
            original: "UniKeyNT.exe",
            description: "UniKey Vietnamese Input Method",
            product: "UniKey",
            company: "UniKey",
        },
        "foxitpdfreader.exe" => Binary {
            original: "FoxitPDFReader.exe",
            description: "Foxit PDF Reader",
            product: "Foxit PDF Reader",
            company: "Foxit Software Inc.",
        },
        "psexec64.exe" => sysinternals(
            "psexec.c",
            "Execute processes remotely",
            "Sysinternals PsExec",
        ),
        "psexesvc.exe" => sysinternals("psexesvc.exe", "PsExec Service", "Sysinternals PsExec"),
        "procdump64.exe" => {
            sysinternals("procdump", "Sysinternals process dump utility", "ProcDump")
        }
        _ => Binary {
            original: "-",
            description: "-",
            product: "-",
            company: "-",
        },
    }
}

/// The parent fields a child's Sysmon record repeats.
#[derive(Debug, Clone)]
struct Parent {
    guid: String,
    pid: u32,
    image: String,
    command_line: String,
    user: Account,
}

/// A process: who it is, so every record about it agrees.
#[derive(Debug, Clone)]
pub(crate) struct Proc {
    pub guid: String,
    pub pid: u32,
    pub image: String,
    pub command_line: String,
    pub user: Account,
    pub integrity: &'static str,
    pub current_dir: String,
    parent: Option<Parent>,
}

impl Proc {
    /// A process that was already running when the day began (its start is not logged).
    pub fn root(
        image: &str,
        command_line: &str,
        user: Account,
        integrity: &'static str,
        rng: &mut StdRng,
    ) -> Self {
        Proc {
            guid: guid(rng, true),
            pid: process_id(rng),
            image: image.to_owned(),
            command_line: command_line.to_owned(),
            user,
            integrity,
            current_dir: "C:\\Windows\\system32\\".to_owned(),
            parent: None,
        }
    }

    /// `services.exe`, running as SYSTEM since boot.
    pub fn service_control_manager(rng: &mut StdRng) -> Self {
        let image = "C:\\Windows\\System32\\services.exe";
        Proc::root(image, image, Account::system(), "System", rng)
    }

    /// A user's desktop shell, started by `userinit.exe` at logon.
    pub fn explorer(user: &Account, rng: &mut StdRng) -> Self {
        let userinit = "C:\\Windows\\system32\\userinit.exe";
        Proc::root(userinit, userinit, user.clone(), "Medium", rng).spawn(
            "C:\\Windows\\Explorer.EXE",
            "C:\\Windows\\Explorer.EXE",
            rng,
        )
    }

    /// The portal's IIS worker process, under its application pool identity.
    pub fn iis_worker(services: &Proc, rng: &mut StdRng) -> Self {
        let arguments = [
            "-ap \"DichVuCong\" -v \"v4.0\" -l \"webengine4.dll\" -a \\\\.\\pipe\\iisipm8d2c1f3e",
            "-h \"C:\\inetpub\\temp\\apppools\\DichVuCong\\DichVuCong.config\" -w \"\" -m 0 -t 20 -ta 0",
        ]
        .join(" ");
        services
            .svchost("iissvcs", rng)
            .spawn(
                "C:\\Windows\\System32\\inetsrv\\w3wp.exe",
                &format!("c:\\windows\\system32\\inetsrv\\w3wp.exe {arguments}"),
                rng,
            )
            .run_as(Account::app_pool("DichVuCong"), "High")
            .in_dir("C:\\inetpub\\wwwroot\\dichvucong\\")
    }

    /// A service host child of `services.exe` for one service group, e.g. `DcomLaunch -p`.
    pub fn svchost(&self, group: &str, rng: &mut StdRng) -> Proc {
        let image = "C:\\Windows\\system32\\svchost.exe";
        self.spawn(image, &format!("{image} -k {group}"), rng)
    }

    /// A child of this process, with the same user, integrity and working directory.
    pub fn spawn(&self, image: &str, command_line: &str, rng: &mut StdRng) -> Proc {
        Proc {
            guid: guid(rng, true),
            pid: process_id(rng),
            image: image.to_owned(),
            command_line: command_line.to_owned(),
            user: self.user.clone(),
            integrity: self.integrity,
            current_dir: self.current_dir.clone(),
            parent: Some(Parent {
                guid: self.guid.clone(),
                pid: self.pid,
                image: self.image.clone(),
                command_line: self.command_line.clone(),
                user: self.user.clone(),
            }),
        }
    }

    /// The same process under another identity (services, elevation, app pools).
    pub fn run_as(mut self, user: Account, integrity: &'static str) -> Proc {
        self.user = user;
        self.integrity = integrity;
        self
    }

    /// The same process started in another working directory.
    pub fn in_dir(mut self, dir: &str) -> Proc {
        dir.clone_into(&mut self.current_dir);
        self
    }

    fn file_name(&self) -> String {
        self.image
            .rsplit('\\')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase()
    }
}

/// The far end of a network connection.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Remote<'a> {
    pub ip: Ipv4Addr,
    pub port: u16,
    /// Host name as Sysmon resolved it, `-` when unknown.
    pub name: &'a str,
}

impl<'a> Remote<'a> {
    pub fn new(ip: Ipv4Addr, port: u16, name: &'a str) -> Self {
        Remote { ip, port, name }
    }
}

/// How a logon happened; decides the Security log's logon type and package fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LogonKind {
    /// At the console (type 2), Kerberos through Negotiate.
    Interactive,
    /// Unlocking a locked session (type 7).
    Unlock,
    /// Access to a share or service over the network with a Kerberos ticket (type 3).
    Network,
    /// Network logon with NTLM (type 3), as PsExec with a password does.
    NetworkNtlm,
    /// Remote Desktop (type 10).
    RemoteInteractive,
}

impl LogonKind {
    fn logon_type(self) -> i64 {
        match self {
            LogonKind::Interactive => 2,
            LogonKind::Unlock => 7,
            LogonKind::Network | LogonKind::NetworkNtlm => 3,
            LogonKind::RemoteInteractive => 10,
        }
    }

    /// (LogonProcessName, AuthenticationPackageName, LmPackageName, ProcessName)
    fn packages(self) -> (&'static str, &'static str, &'static str, &'static str) {
        const SVCHOST: &str = "C:\\Windows\\System32\\svchost.exe";
        match self {
            LogonKind::Interactive | LogonKind::Unlock | LogonKind::RemoteInteractive => {
                ("User32 ", "Negotiate", "-", SVCHOST)
            }
            LogonKind::Network => ("Kerberos", "Kerberos", "-", "-"),
            LogonKind::NetworkNtlm => ("NtLmSsp ", "NTLM", "NTLM V2", "-"),
        }
    }
}

/// One logon attempt: who, how and from where.
#[derive(Debug, Clone)]
pub(crate) struct Logon<'a> {
    pub account: &'a Account,
    pub kind: LogonKind,
    /// Source address, `-` for console logons.
    pub source_ip: String,
    /// The client's computer name as it announced itself.
    pub workstation: String,
    pub logon_id: String,
}

impl<'a> Logon<'a> {
    /// A logon with a fresh logon session id.
    pub fn new(
        account: &'a Account,
        kind: LogonKind,
        source_ip: &str,
        workstation: &str,
        rng: &mut StdRng,
    ) -> Self {
        Logon {
            account,
            kind,
            source_ip: source_ip.to_owned(),
            workstation: workstation.to_owned(),
            logon_id: format!("0x{:x}", rng.random_range(0x10_0000..0x4ff_ffff_u32)),
        }
    }

    fn fill(&self, record: &mut Record) {
        let (process, package, lm_package, process_name) = self.kind.packages();
        record
            .set("TargetUserSid", self.account.sid.as_str())
            .set("TargetUserName", self.account.name.as_str())
            .set("TargetDomainName", self.account.domain.as_str())
            .set("LogonType", self.kind.logon_type())
            .set("LogonProcessName", process)
            .set("AuthenticationPackageName", package)
            .set("LmPackageName", lm_package)
            .set("ProcessName", process_name)
            .set("WorkstationName", self.workstation.as_str())
            .set("IpAddress", self.source_ip.as_str())
            .set(
                "IpPort",
                if self.source_ip == "-" {
                    "-".to_owned()
                } else {
                    "0".to_owned()
                },
            )
            .set("KeyLength", 0)
            .set("TransmittedServices", "-");
    }
}

/// Random hex digits that stand in for a digest or id.
fn hex(rng: &mut StdRng, digits: usize) -> String {
    (0..digits)
        .map(|_| char::from_digit(rng.random_range(0..16), 16).unwrap_or('0'))
        .collect()
}

/// A GUID, braced as Sysmon writes it or bare as PowerShell does.
pub(crate) fn guid(rng: &mut StdRng, braced: bool) -> String {
    let bare = format!(
        "{}-{}-{}-{}-{}",
        hex(rng, 8),
        hex(rng, 4),
        hex(rng, 4),
        hex(rng, 4),
        hex(rng, 12)
    );
    if braced {
        format!("{{{bare}}}")
    } else {
        bare
    }
}

fn process_id(rng: &mut StdRng) -> u32 {
    rng.random_range(300..16_000) * 4
}

/// Deterministic stand-in digests for a binary, so one image always has the same hashes.
fn hashes(image: &str) -> String {
    let mut state = fnv1a(&image.to_ascii_lowercase());
    let mut digits = |count: usize| {
        let mut out = String::with_capacity(count);
        while out.len() < count {
            // splitmix64 step
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            out.push_str(&format!("{:016X}", z ^ (z >> 31)));
        }
        out.truncate(count);
        out
    };
    format!(
        "MD5={},SHA256={},IMPHASH={}",
        digits(32),
        digits(64),
        digits(32)
    )
}

fn utc_time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S%.3f").to_string()
}

impl Timeline {
    /// A record with the common Windows header fields.
    fn windows(
        &mut self,
        at: DateTime<Utc>,
        host: &Host,
        channel: &'static str,
        provider: &'static str,
        event_id: i64,
    ) -> &mut Record {
        self.record(at, host)
            .set("Channel", channel)
            .set("Provider_Name", provider)
            .set("EventID", event_id)
            .set("Computer", host.fqdn())
    }

    fn sysmon(&mut self, at: DateTime<Utc>, host: &Host, event_id: i64) -> &mut Record {
        self.windows(at, host, SYSMON_CHANNEL, SYSMON_PROVIDER, event_id)
            .set("RuleName", "-")
            .set("UtcTime", utc_time(at))
    }

    fn sysmon_about(
        &mut self,
        at: DateTime<Utc>,
        host: &Host,
        event_id: i64,
        proc: &Proc,
    ) -> &mut Record {
        self.sysmon(at, host, event_id)
            .set("ProcessGuid", proc.guid.as_str())
            .set("ProcessId", proc.pid)
            .set("Image", proc.image.as_str())
            .set("User", proc.user.qualified())
    }

    /// A process start: Sysmon 1 everywhere, and Security 4688 on servers that audit it.
    pub fn process_start(&mut self, at: DateTime<Utc>, host: &Host, proc: &Proc) {
        let info = binary(&proc.file_name());
        let parent = proc.parent.as_ref();
        let parent_field = |f: fn(&Parent) -> String| parent.map_or_else(|| "-".to_owned(), f);
        self.sysmon_about(at, host, 1, proc)
            .set("CommandLine", proc.command_line.as_str())
            .set("CurrentDirectory", proc.current_dir.as_str())
            .set("OriginalFileName", info.original)
            .set("Description", info.description)
            .set("Product", info.product)
            .set("Company", info.company)
            .set("FileVersion", "-")
            .set("IntegrityLevel", proc.integrity)
            .set("Hashes", hashes(&proc.image))
            .set("LogonId", proc.user.logon_id())
            .set("TerminalSessionId", i64::from(!proc.user.is_system()))
            .set("ParentProcessGuid", parent_field(|p| p.guid.clone()))
            .set("ParentProcessId", parent.map_or(0, |p| p.pid))
            .set("ParentImage", parent_field(|p| p.image.clone()))
            .set(
                "ParentCommandLine",
                parent_field(|p| p.command_line.clone()),
            )
            .set("ParentUser", parent_field(|p| p.user.qualified()));
        if host.audits_process_creation() {
            self.process_audited(at, host, proc);
        }
    }

    /// Security 4688, with its own field names (`NewProcessName`, `ParentProcessName`).
    fn process_audited(&mut self, at: DateTime<Utc>, host: &Host, proc: &Proc) {
        let subject = if proc.user.is_system() {
            host.machine_account()
        } else {
            proc.user.clone()
        };
        let (elevation, label) = match proc.integrity {
            "System" => ("%%1936", "S-1-16-16384"),
            "High" => ("%%1936", "S-1-16-12288"),
            _ => ("%%1938", "S-1-16-8192"),
        };
        let parent = proc.parent.as_ref();
        let record = self.windows(at, host, SECURITY_CHANNEL, SECURITY_PROVIDER, 4688);
        Self::subject(record, &subject)
            .set("NewProcessId", format!("0x{:x}", proc.pid))
            .set("NewProcessName", proc.image.as_str())
            .set("TokenElevationType", elevation)
            .set("ProcessId", format!("0x{:x}", parent.map_or(0, |p| p.pid)))
            .set("CommandLine", proc.command_line.as_str())
            .set(
                "ParentProcessName",
                parent.map_or("-", |p| p.image.as_str()),
            )
            .set("MandatoryLabel", label)
            .set("TargetUserSid", "S-1-0-0")
            .set("TargetUserName", "-")
            .set("TargetDomainName", "-")
            .set("TargetLogonId", "0x0");
    }

    /// Sysmon 3: `proc` opened a TCP connection to `remote`.
    pub fn connection(
        &mut self,
        at: DateTime<Utc>,
        host: &Host,
        proc: &Proc,
        remote: Remote<'_>,
        rng: &mut StdRng,
    ) {
        let Remote {
            ip: dest,
            port,
            name: dest_name,
        } = remote;
        let port_name = match port {
            80 => "http",
            443 => "https",
            445 => "microsoft-ds",
            3389 => "ms-wbt-server",
            _ => "-",
        };
        self.sysmon_about(at, host, 3, proc)
            .set("Protocol", "tcp")
            .set("Initiated", "true")
            .set("SourceIsIpv6", "false")
            .set("SourceIp", host.ip.to_string())
            .set("SourceHostname", host.fqdn())
            .set("SourcePort", rng.random_range(49_152..65_535))
            .set("SourcePortName", "-")
            .set("DestinationIsIpv6", "false")
            .set("DestinationIp", dest.to_string())
            .set("DestinationHostname", dest_name)
            .set("DestinationPort", port)
            .set("DestinationPortName", port_name);
    }

    /// Sysmon 11: `proc` created a file.
    pub fn file_created(&mut self, at: DateTime<Utc>, host: &Host, proc: &Proc, path: &str) {
        self.sysmon_about(at, host, 11, proc)
            .set("TargetFilename", path)
            .set("CreationUtcTime", utc_time(at));
    }

    /// Sysmon 13: `proc` set a registry value.
    pub fn registry_value_set(
        &mut self,
        at: DateTime<Utc>,
        host: &Host,
        proc: &Proc,
        key: &str,
        details: &str,
    ) {
        self.sysmon_about(at, host, 13, proc)
            .set("EventType", "SetValue")
            .set("TargetObject", key)
            .set("Details", details);
    }

    /// Sysmon 22: `proc` resolved a name.
    pub fn dns_query(
        &mut self,
        at: DateTime<Utc>,
        host: &Host,
        proc: &Proc,
        name: &str,
        answer: Ipv4Addr,
    ) {
        self.sysmon_about(at, host, 22, proc)
            .set("QueryName", name)
            .set("QueryStatus", "0")
            .set("QueryResults", format!("::ffff:{answer};"));
    }

    /// Sysmon 10: `source` opened a handle to `target` with `access`, through `call_trace`.
    pub fn process_accessed(
        &mut self,
        at: DateTime<Utc>,
        host: &Host,
        source: &Proc,
        target: &Proc,
        access: &str,
        call_trace: &str,
    ) {
        self.sysmon(at, host, 10)
            .set("SourceProcessGUID", source.guid.as_str())
            .set("SourceProcessId", source.pid)
            .set("SourceThreadId", 4 * (1_000 + fnv1a(&source.guid) % 9_000))
            .set("SourceImage", source.image.as_str())
            .set("SourceUser", source.user.qualified())
            .set("TargetProcessGUID", target.guid.as_str())
            .set("TargetProcessId", target.pid)
            .set("TargetImage", target.image.as_str())
            .set("TargetUser", target.user.qualified())
            .set("GrantedAccess", access)
            .set("CallTrace", call_trace);
    }

    fn security(&mut self, at: DateTime<Utc>, host: &Host, event_id: i64) -> &mut Record {
        self.windows(at, host, SECURITY_CHANNEL, SECURITY_PROVIDER, event_id)
    }

    fn subject<'r>(record: &'r mut Record, subject: &Account) -> &'r mut Record {
        record
            .set("SubjectUserSid", subject.sid.as_str())
            .set("SubjectUserName", subject.name.as_str())
            .set("SubjectDomainName", subject.domain.as_str())
            .set("SubjectLogonId", subject.logon_id())
    }

    /// Security 4624, and 4672 when the account is an administrator.
    pub fn logon(
        &mut self,
        at: DateTime<Utc>,
        host: &Host,
        logon: &Logon<'_>,
        privileged: bool,
        rng: &mut StdRng,
    ) {
        let record = self.security(at, host, 4624);
        Self::subject(record, &host.machine_account());
        logon.fill(record);
        record
            .set("TargetLogonId", logon.logon_id.as_str())
            .set("LogonGuid", guid(rng, true))
            .set("ImpersonationLevel", "%%1833")
            .set(
                "ElevatedToken",
                if privileged { "%%1842" } else { "%%1843" },
            )
            .set("VirtualAccount", "%%1843")
            .set("RestrictedAdminMode", "-")
            .set("TargetOutboundUserName", "-")
            .set("TargetOutboundDomainName", "-");
        if privileged {
            let record = self.security(at, host, 4672);
            Self::subject(record, logon.account)
                .set("SubjectLogonId", logon.logon_id.as_str())
                .set("PrivilegeList", "SeSecurityPrivilege\n\t\t\tSeBackupPrivilege\n\t\t\tSeRestorePrivilege\n\t\t\tSeTakeOwnershipPrivilege\n\t\t\tSeDebugPrivilege\n\t\t\tSeSystemEnvironmentPrivilege\n\t\t\tSeLoadDriverPrivilege\n\t\t\tSeImpersonatePrivilege");
        }
    }

    /// Security 4625: a failed logon with NTSTATUS codes (`0xc000006d` and a sub-status).
    pub fn failed_logon(
        &mut self,
        at: DateTime<Utc>,
        host: &Host,
        logon: &Logon<'_>,
        sub_status: &str,
    ) {
        let record = self.security(at, host, 4625);
        Self::subject(record, &Account::new("-", "-", "S-1-0-0")).set("SubjectLogonId", "0x0");
        logon.fill(record);
        record
            .set("Status", "0xc000006d")
            .set("SubStatus", sub_status)
            .set("FailureReason", "%%2313");
    }

    /// Security 4769 on a domain controller: a Kerberos service ticket for `service`.
    pub fn service_ticket(
        &mut self,
        at: DateTime<Utc>,
        dc: &Host,
        account: &Account,
        service: &str,
        client: Ipv4Addr,
    ) {
        self.security(at, dc, 4769)
            .set("TargetUserName", format!("{}@{}", account.name, AD_DOMAIN))
            .set("TargetDomainName", AD_DOMAIN)
            .set("ServiceName", service)
            .set(
                "ServiceSid",
                "S-1-5-21-3021457846-2281937145-1170381521-1103",
            )
            .set("TicketOptions", "0x40810000")
            .set("TicketEncryptionType", "0x12")
            .set("IpAddress", format!("::ffff:{client}"))
            .set("IpPort", "0")
            .set("Status", "0x0")
            .set("LogonGuid", "-")
            .set("TransmittedServices", "-");
    }

    /// Security 4720: `by` created the local or domain account `new`.
    pub fn user_created(&mut self, at: DateTime<Utc>, host: &Host, by: &Account, new: &Account) {
        let record = self.security(at, host, 4720);
        Self::subject(record, by)
            .set("TargetUserName", new.name.as_str())
            .set("TargetDomainName", new.domain.as_str())
            .set("TargetSid", new.sid.as_str())
            .set("SamAccountName", new.name.as_str())
            .set("DisplayName", "%%1793")
            .set("UserPrincipalName", "-")
            .set("HomeDirectory", "%%1793")
            .set("ProfilePath", "%%1793")
            .set("PrimaryGroupId", "513")
            .set("UserAccountControl", "\n\t\t%%2080\n\t\t%%2082\n\t\t%%2084")
            .set("PrivilegeList", "-");
    }

    /// Security 4732: `by` added `member` to the local Administrators group.
    pub fn admin_group_member_added(
        &mut self,
        at: DateTime<Utc>,
        host: &Host,
        by: &Account,
        member: &Account,
    ) {
        let record = self.security(at, host, 4732);
        Self::subject(record, by)
            .set("MemberName", "-")
            .set("MemberSid", member.sid.as_str())
            .set("TargetUserName", "Administrators")
            .set("TargetDomainName", "Builtin")
            .set("TargetSid", "S-1-5-32-544")
            .set("PrivilegeList", "-");
    }

    /// Security 1102: the audit log was cleared by `by`.
    pub fn security_log_cleared(&mut self, at: DateTime<Utc>, host: &Host, by: &Account) {
        let record = self.windows(at, host, SECURITY_CHANNEL, EVENTLOG_PROVIDER, 1102);
        Self::subject(record, by);
    }

    /// System 104: another event log (named `log`) was cleared by `by`.
    pub fn event_log_cleared(&mut self, at: DateTime<Utc>, host: &Host, log: &str, by: &Account) {
        self.windows(at, host, SYSTEM_CHANNEL, EVENTLOG_PROVIDER, 104)
            .set("SubjectUserName", by.name.as_str())
            .set("SubjectDomainName", by.domain.as_str())
            .set("BackupPath", "")
            .set("LogName", log);
    }

    /// System 7045: a service was installed.
    pub fn service_installed(
        &mut self,
        at: DateTime<Utc>,
        host: &Host,
        name: &str,
        image_path: &str,
        start_type: &str,
    ) {
        self.windows(at, host, SYSTEM_CHANNEL, "Service Control Manager", 7045)
            .set("ServiceName", name)
            .set("ImagePath", image_path)
            .set("ServiceType", "user mode service")
            .set("StartType", start_type)
            .set("AccountName", "LocalSystem");
    }

    /// System 19: Windows Update installed an update.
    pub fn update_installed(
        &mut self,
        at: DateTime<Utc>,
        host: &Host,
        title: &str,
        rng: &mut StdRng,
    ) {
        self.windows(
            at,
            host,
            SYSTEM_CHANNEL,
            "Microsoft-Windows-WindowsUpdateClient",
            19,
        )
        .set("updateTitle", title)
        .set("updateGuid", guid(rng, true))
        .set("updateRevisionNumber", 1);
    }

    /// PowerShell 4104: a script block was compiled.
    pub fn script_block(
        &mut self,
        at: DateTime<Utc>,
        host: &Host,
        text: &str,
        path: &str,
        rng: &mut StdRng,
    ) {
        self.windows(at, host, POWERSHELL_CHANNEL, POWERSHELL_PROVIDER, 4104)
            .set("MessageNumber", 1)
            .set("MessageTotal", 1)
            .set("ScriptBlockText", text)
            .set("ScriptBlockId", guid(rng, false))
            .set("Path", path);
    }
}
