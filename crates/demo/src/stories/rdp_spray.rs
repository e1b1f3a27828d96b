//! Password spraying against the hub's Remote Desktop server, then a logon that works.

use rand::Rng;

use super::{system32, Scene, Story};
use crate::content::pick;
use crate::province::AD_DOMAIN;
use crate::windows::{Account, Logon, LogonKind, Proc};

pub(super) const STORY: Story = Story {
    id: "rdp-password-spray",
    title_vi: "Dò mật khẩu Remote Desktop từ Internet",
    title_en: "Remote Desktop password spraying from the Internet",
    summary_vi: "Lúc rạng sáng, một địa chỉ nước ngoài thử vài mật khẩu phổ biến với hàng chục tài khoản trên máy chủ Remote Desktop của Văn phòng UBND tỉnh (hàng loạt sự kiện 4625). Một tài khoản văn thư dùng mật khẩu yếu bị đăng nhập thành công (4624 kiểu 10) và kẻ tấn công xem qua phiên làm việc.",
    summary_en: "Before dawn, a foreign address tries a few common passwords against dozens of accounts on the hub's Remote Desktop server (a burst of 4625). A clerk's weak password works (4624, logon type 10) and the attacker looks around the session.",
    techniques: &["T1110.003", "T1133", "T1078", "T1033"],
    rule_ids: &[
        "259a9cdf-c4dd-4fa2-b243-2269e5ab18a2", // External Remote RDP Logon from Public IP
        "f88e112a-21aa-44bd-9b01-6ee2a2bbbed1", // Failed Logon From Public IP
        "502b42de-4306-40b4-9596-6f590c81f073", // Local Accounts Discovery
        "bd8b828d-0dca-48e1-8a63-8a58ecf2644f", // Group Membership Reconnaissance Via Whoami.EXE
    ],
    agency_slot: 0,
    starts_around: (1, 50),
    play,
};

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

/// NTSTATUS sub-codes of a failed logon: no such user, wrong password.
const NO_SUCH_USER: &str = "0xc0000064";
const WRONG_PASSWORD: &str = "0xc000006a";

fn play(scene: &mut Scene<'_>) {
    let (site, inventory) = (scene.site, scene.inventory);
    let Some(server) = site
        .remote_desktop
        .as_ref()
        .or(inventory.hub().remote_desktop.as_ref())
    else {
        return;
    };
    let attacker = scene.attacker_ip([198, 51, 100]).to_string();
    let machine = format!(
        "WIN-{:X}",
        scene.rng.random_range(0x1000_0000_u64..0xffff_ffff)
    );
    let staff: Vec<&Account> = inventory
        .workstations()
        .filter_map(|h| h.owner.as_ref())
        .collect();

    // Three rounds, one password each, against guessed names and names from the web site.
    for _round in 0..3 {
        let mut attempts: Vec<(Account, &str)> = GUESSED_USERS
            .iter()
            .map(|name| (Account::new(AD_DOMAIN, name, "S-1-0-0"), NO_SUCH_USER))
            .collect();
        for _ in 0..8 {
            attempts.push((pick(&staff, &mut scene.rng).clone(), WRONG_PASSWORD));
        }
        for (account, sub_status) in &attempts {
            let logon = Logon::new(
                account,
                LogonKind::NetworkNtlm,
                &attacker,
                &machine,
                &mut scene.rng,
            );
            let at = scene.wait(4);
            scene.timeline.failed_logon(at, server, &logon, sub_status);
        }
        scene.wait(300);
    }

    // A clerk's weak password worked; the attacker comes back by Remote Desktop and looks around.
    let victim = pick(&staff, &mut scene.rng);
    let logon = Logon::new(
        victim,
        LogonKind::RemoteInteractive,
        &attacker,
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
    let cmd = system32("cmd.exe");
    let shell = scene.run(server, &desktop, 40, &cmd, &format!("\"{cmd}\" "));
    scene.typed(server, &shell, 8, "whoami /groups");
    scene.typed(server, &shell, 15, "quser");
}
