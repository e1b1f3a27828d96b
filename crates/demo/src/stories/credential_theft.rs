//! Discovery and LSASS dumping on a backdoored desk, then PsExec and ProcDump on a server.

use rand::Rng;

use super::{dump_call_trace, lsass, system32, Scene, Story};
use crate::province::{AD_DNS_DOMAIN, AD_DOMAIN};
use crate::windows::{Account, Logon, LogonKind, Proc, Remote};

pub(super) const STORY: Story = Story {
    id: "credential-theft-lateral",
    title_vi: "Đánh cắp thông tin đăng nhập và di chuyển ngang",
    title_en: "Credential theft and lateral movement",
    summary_vi: "Trên một máy trạm của Sở Y tế đã bị cài cửa hậu, kẻ tấn công dò quyền và nhóm quản trị miền, trích xuất bộ nhớ LSASS bằng comsvcs.dll, rồi dùng tài khoản quản trị lấy được chạy PsExec sang máy chủ tệp để trích xuất LSASS lần nữa bằng ProcDump.",
    summary_en: "On a backdoored workstation of the Department of Health, the attacker checks privileges and the domain admins, dumps LSASS memory through comsvcs.dll, then uses the stolen admin account with PsExec on the file server and dumps LSASS there with ProcDump.",
    techniques: &["T1033", "T1069.002", "T1018", "T1057", "T1003.001", "T1021.002", "T1569.002", "T1570"],
    rule_ids: &[
        "42c575ea-e41e-41f1-b248-8093c3e82a28", // PsExec Service Installation
        "8fbf3271-1ef6-4e94-8210-03c2317947f6", // Cred Dump Tools Dropped Files
        "259e5a6a-b8d2-4c38-86e2-26c5e651361d", // PsExec Service File Creation
        "a49fa4d5-11db-418c-8473-1e014a8dd462", // Lsass Memory Dump via Comsvcs DLL
        "9bd012ee-0dff-44d7-84a0-aa698cfd87a3", // LSASS Memory Access by Tool With Dump Keyword In Name
        "5ef9853e-4d0e-4a70-846f-a9ca37d876da", // Potential Credential Dumping Activity Via LSASS
        "9f5c1d59-33be-4e60-bcab-85d2f566effd", // Suspicious Process Access to LSASS with Dbgcore/Dbghelp DLLs
        "d95de845-b83c-4a9a-8a6a-4fc802ebf6c0", // Suspicious Group And Account Reconnaissance Activity Using Net.EXE
        "903076ff-f442-475a-b667-4f246bcc203b", // Nltest.EXE Execution
        "5cc90652-4cbd-4241-aa3b-4b462fa5a248", // Potential Recon Activity Via Nltest.EXE
        "4a0b2c7e-7cb2-495d-8b63-5f268e7bfd67", // Renamed ProcDump Execution
        "646ea171-dded-4578-8a4d-65e9822892e3", // Process Memory Dump Via Comsvcs.DLL
        "e593cf51-88db-4ee1-b920-37e89012a3c9", // Potentially Suspicious Rundll32 Activity
        "178e615d-e666-498b-9630-9ed363038101", // Elevated System Shell Spawned From Uncommon Parent Location
        "502b42de-4306-40b4-9596-6f590c81f073", // Local Accounts Discovery
        "ffa6861c-4461-4f59-8a41-578c39f3f23e", // LSASS Dump Keyword In CommandLine
        "2617e7ed-adb7-40ba-b0f3-8f9945fe6c09", // Suspicious SYSTEM User Process Creation
        "7cccd811-7ae9-4ebe-9afd-cb5c406b824b", // Potential Execution of Sysinternals Tools
        "2e65275c-8288-4ab4-aeb7-6274f58b6b20", // Procdump Execution
        "5afee48e-67dd-4e03-a783-f74259dcf998", // Potential LSASS Process Dump Via Procdump
        "730fc21b-eaff-474b-ad23-90fd265d4988", // Psexec Execution
        "8834e2f7-6b4b-4f09-8906-d2276470ee23", // PsExec/PAExec Escalation to LOCAL SYSTEM
        "ea011323-7045-460b-b2d7-0f7442ea6b38", // Potential PsExec Remote Execution
        "fdfcbd78-48f1-4a4b-90ac-d82241e368c5", // PsExec Service Execution
        "7c0dcd3d-acf8-4f71-9570-f448b0034f94", // PsExec Service Child Process Execution as LOCAL SYSTEM
        "c248c896-e412-4279-8c15-1c558067b6fa", // Enumerate All Information With Whoami.EXE
    ],
    agency_slot: 2,
    starts_around: (13, 50),
    play,
};

/// The operator's working folder, named to pass for a graphics driver cache.
const TOOLS: &str = "C:\\ProgramData\\Intel\\GfxCache";
/// What ProcDump is told to do on the server.
const PROCDUMP: &str = "C:\\Windows\\Temp\\procdump64.exe";
const SERVER_DUMP: &str = "C:\\Windows\\Temp\\fs01.dmp";

fn play(scene: &mut Scene<'_>) {
    let victim = scene.workstation();
    let server = scene.site.file_server.clone();
    let admin = scene.site.admin.clone();

    // A backdoor planted earlier runs elevated as the user; the operator opens a shell.
    let implant = Proc::root(
        &format!("{TOOLS}\\igfxtray.exe"),
        &format!("\"{TOOLS}\\igfxtray.exe\" -s"),
        victim.user().clone(),
        "High",
        &mut scene.rng,
    );
    let cmd = system32("cmd.exe");
    let shell = scene
        .run(&victim, &implant, 0, &cmd, &format!("\"{cmd}\""))
        .in_dir(&format!("{TOOLS}\\"));

    // Discovery: who am I, who are the domain admins, where are the domain controllers.
    scene.typed(&victim, &shell, 20, "whoami /all");
    scene.typed(&victim, &shell, 25, "net group \"domain admins\" /domain");
    scene.typed(
        &victim,
        &shell,
        30,
        &format!("nltest /dclist:{AD_DNS_DOMAIN}"),
    );
    scene.typed(
        &victim,
        &shell,
        40,
        "tasklist /fi \"imagename eq lsass.exe\"",
    );

    // LSASS memory through the comsvcs.dll MiniDump export, to a harmless-looking file.
    let target = lsass(&mut scene.rng);
    let dump = format!("{TOOLS}\\gfx_{}.tmp", scene.rng.random_range(100..999));
    let minidump = format!(
        "rundll32.exe C:\\Windows\\System32\\comsvcs.dll, MiniDump {} {dump} full",
        target.pid
    );
    let rundll = scene.run(&victim, &shell, 35, &system32("rundll32.exe"), &minidump);
    let at = scene.wait(0);
    let trace = dump_call_trace("C:\\Windows\\System32\\comsvcs.dll", 0x3e2f4);
    scene
        .timeline
        .process_accessed(at, &victim, &rundll, &target, "0x1fffff", &trace);
    scene.write_file(&victim, &rundll, 4, &dump);

    // With the IT officer's password from the dump: PsExec to the file server as SYSTEM.
    let remote_command = format!("{PROCDUMP} -accepteula -ma lsass.exe {SERVER_DUMP}");
    let psexec = scene.run(
        &victim,
        &shell,
        240,
        &format!("{TOOLS}\\PsExec64.exe"),
        &format!(
            "PsExec64.exe -accepteula \\\\{} -u {AD_DOMAIN}\\{} -p Quantri@2024 -s cmd.exe /c \"{remote_command}\"",
            server.name, admin.name
        ),
    );
    scene.connect(
        &victim,
        &psexec,
        1,
        Remote::new(server.ip, 445, &server.fqdn()),
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
    scene.write_file(&server, &kernel, 1, "C:\\Windows\\PSEXESVC.exe");
    scene.write_file(&server, &kernel, 0, PROCDUMP);
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
    let remote_shell = scene.run(
        &server,
        &service,
        1,
        &cmd,
        &format!("\"cmd.exe\" /c \"{remote_command}\""),
    );
    let procdump = scene.run(
        &server,
        &remote_shell,
        0,
        PROCDUMP,
        &remote_command.replacen(".exe ", ".exe  ", 1),
    );
    let target = lsass(&mut scene.rng);
    let at = scene.wait(1);
    let trace = dump_call_trace(PROCDUMP, 0x2c8e1);
    scene
        .timeline
        .process_accessed(at, &server, &procdump, &target, "0x1fffff", &trace);
    scene.write_file(&server, &procdump, 5, SERVER_DUMP);
}
