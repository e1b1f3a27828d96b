//! A stolen admin account prepares a file server for encryption and covers its tracks.

use super::{system32, Scene, Story};
use crate::windows::{Account, Logon, LogonKind, Proc};

pub(super) const STORY: Story = Story {
    id: "ransomware-prep",
    title_vi: "Chuẩn bị mã hóa dữ liệu trên máy chủ tệp",
    title_en: "Ransomware preparation on a file server",
    summary_vi: "Buổi tối, tài khoản quản trị của Sở Tài chính đăng nhập Remote Desktop vào máy chủ tệp, tạo tài khoản cục bộ và thêm vào nhóm Administrators, tắt Microsoft Defender, xóa bản sao bóng (shadow copy), tắt chế độ khôi phục và xóa nhật ký sự kiện — các bước quen thuộc ngay trước khi mã hóa dữ liệu.",
    summary_en: "In the evening, the Department of Finance's admin account logs on to the file server over Remote Desktop, creates a local account and adds it to Administrators, disables Microsoft Defender, deletes shadow copies, disables recovery and clears the event logs: the usual steps right before encryption.",
    techniques: &["T1021.001", "T1078.002", "T1136.001", "T1098", "T1562.001", "T1490", "T1070.001"],
    rule_ids: &[
        "d99b79d2-0a6f-4f46-ad8b-260b6e17f982", // Security Eventlog Cleared
        "c265cf08-3f99-46c1-8d59-328247057d57", // User Added to Local Administrator Group
        "66b6be3d-55d0-4f47-9855-d69df21740ea", // Local User Creation
        "100ef69e-3327-481c-8e5c-6d80d9507556", // Important Windows Eventlog Cleared
        "14c71865-6cd3-44ae-adaa-1db923fae5f2", // Tamper Windows Defender - ScriptBlockLogging
        "1444443e-6757-43e4-9ea4-c8fc705f79a2", // Boot Configuration Tampering Via Bcdedit.EXE
        "cd219ff3-fa99-45d4-8380-a7d15116c6dc", // New User Created Via Net.EXE
        "1ec65a5f-9473-4f12-97da-622044d6df21", // Powershell Defender Disable Scan Feature
        "f4bbd493-b796-416e-bbf2-121235348529", // Non Interactive PowerShell Process Spawned
        "87e3c4e8-a6a8-4ad9-bb4f-46e7ff99a180", // Change PowerShell Policies to an Insecure Level
        "ad720b90-25ad-43ff-9b5e-5c841facc8e5", // User Added to Local Administrators Group
        "cc36992a-4671-4f21-a91d-6c2b72a2edf5", // Suspicious Eventlog Clearing or Configuration Change Activity
        "c947b146-0abc-4c87-9c64-b17e9d7274a2", // Shadow Copies Deletion Using Operating Systems Utilities
    ],
    agency_slot: 4,
    starts_around: (22, 35),
    play,
};

const POWERSHELL: &str = "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe";
const DISABLE_DEFENDER: &str =
    "Set-MpPreference -DisableRealtimeMonitoring $true; Set-MpPreference -DisableIOAVProtection $true";

fn play(scene: &mut Scene<'_>) {
    let server = scene.site.file_server.clone();
    let admin = scene.site.admin.clone();
    let pivot = scene.workstation();

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
    scene.typed(&server, &shell, 20, "net user hotro.it Hotro@2025 /add");
    let at = scene.wait(0);
    scene.timeline.user_created(at, &server, &admin, &backdoor);
    scene.typed(
        &server,
        &shell,
        15,
        "net localgroup administrators hotro.it /add",
    );
    let at = scene.wait(0);
    scene
        .timeline
        .admin_group_member_added(at, &server, &admin, &backdoor);

    // Defences down: antivirus, shadow copies, recovery.
    let command = format!("powershell.exe -ExecutionPolicy Bypass -Command \"{DISABLE_DEFENDER}\"");
    scene.run(&server, &shell, 30, POWERSHELL, &command);
    scene.script_block(&server, 1, DISABLE_DEFENDER);
    scene.typed(&server, &shell, 25, "vssadmin delete shadows /all /quiet");
    scene.typed(&server, &shell, 10, "wmic shadowcopy delete /nointeractive");
    scene.typed(
        &server,
        &shell,
        12,
        "bcdedit /set {default} recoveryenabled no",
    );

    // Tracks covered.
    scene.typed(&server, &shell, 20, "wevtutil cl System");
    let at = scene.wait(0);
    scene
        .timeline
        .event_log_cleared(at, &server, "System", &admin);
    scene.typed(&server, &shell, 5, "wevtutil cl Security");
    let at = scene.wait(0);
    scene.timeline.security_log_cleared(at, &server, &admin);
}
