use super::*;

fn s(x: &str) -> Value {
    Value::String(x.to_string())
}

fn ok(ty: Type, v: Value) -> Value {
    match check(ty, &v, &Constraints::default()) {
        Ok(out) => out,
        Err(e) => panic!("{ty} rejected {v}: {}", e.message),
    }
}

fn err(ty: Type, v: Value) -> TypeError {
    match check(ty, &v, &Constraints::default()) {
        Ok(out) => panic!("{ty} accepted {v} as {out}"),
        Err(e) => e,
    }
}

fn accepts(ty: Type, xs: &[&str]) {
    for x in xs {
        ok(ty, s(x));
    }
}

fn rejects(ty: Type, xs: &[&str]) {
    for x in xs {
        err(ty, s(x));
    }
}

#[test]
fn names_round_trip() {
    for ty in Type::ALL {
        assert_eq!(Type::parse(ty.name()), Some(*ty));
        assert_eq!(ty.to_string(), ty.name());
        assert!(!ty.describe().is_empty());
    }
    assert_eq!(Type::ALL.len(), 26);
    assert_eq!(Type::parse("int-or-percent"), Some(Type::IntOrPercent));
    assert_eq!(Type::parse("file"), Some(Type::File));
    assert_eq!(Type::parse("Int"), None);
    assert_eq!(Type::parse("integer"), None);
}

#[test]
fn describe_examples() {
    assert_eq!(Type::Memory.describe(), "a memory quantity such as `512Mi`");
}

#[test]
fn string_bool_int_float() {
    assert_eq!(ok(Type::String, s("")), s(""));
    assert_eq!(ok(Type::Bool, Value::Bool(true)), Value::Bool(true));
    assert_eq!(ok(Type::Int, Value::Int(-3)), Value::Int(-3));
    assert_eq!(ok(Type::Float, Value::Int(2)), Value::Float(2.0));
    assert_eq!(ok(Type::Float, Value::Float(1.5)), Value::Float(1.5));

    let e = err(Type::Int, s("3"));
    assert_eq!(e.message, "expected an integer, found a string `\"3\"`");
    assert_eq!(e.help.as_deref(), Some("remove the quotes: `3`"));

    let e = err(Type::String, Value::Int(3));
    assert_eq!(e.message, "expected a string, found an integer `3`");
    assert_eq!(e.help.as_deref(), Some("write it as a string: `\"3\"`"));

    let e = err(Type::Bool, s("true"));
    assert_eq!(e.help.as_deref(), Some("write `#true`"));

    let e = err(Type::Int, Value::Float(2.0));
    assert_eq!(e.message, "expected an integer, found a float `2.0`");
    assert_eq!(e.help.as_deref(), Some("write `2`"));

    assert_eq!(
        err(Type::Int, Value::Null).message,
        "expected an integer, found `#null`"
    );
    err(Type::String, Value::Null);
    err(Type::Float, s("x"));
    err(Type::Float, Value::Bool(true));
}

#[test]
fn int_bounds() {
    let c = Constraints {
        min: Some(0),
        max: Some(10),
        ..Default::default()
    };
    assert!(check(Type::Int, &Value::Int(0), &c).is_ok());
    assert!(check(Type::Int, &Value::Int(10), &c).is_ok());
    let e = check(Type::Int, &Value::Int(11), &c).unwrap_err();
    assert_eq!(e.message, "expected an integer from 0 to 10, found `11`");
    let lo = Constraints {
        min: Some(0),
        ..Default::default()
    };
    let e = check(Type::Int, &Value::Int(-1), &lo).unwrap_err();
    assert_eq!(e.message, "expected an integer of at least 0, found `-1`");
    assert!(check(Type::Float, &Value::Float(10.5), &c).is_err());
    assert!(check(Type::Float, &Value::Float(9.5), &c).is_ok());
}

#[test]
fn cpu() {
    for (x, want) in [
        ("250m", "250m"),
        ("1", "1"),
        ("1.5", "1.5"),
        ("2000m", "2000m"),
        (".5", ".5"),
    ] {
        assert_eq!(ok(Type::Cpu, s(x)), s(want));
    }
    assert_eq!(ok(Type::Cpu, Value::Int(2)), s("2"));
    assert_eq!(ok(Type::Cpu, Value::Float(0.5)), s("0.5"));
    rejects(
        Type::Cpu,
        &[
            "", "m", "1.5.2", "-1", "500Mi", "1k", "2 cores", "1.5m", "1e3",
        ],
    );
    err(Type::Cpu, Value::Int(-1));
    err(Type::Cpu, Value::Float(f64::NAN));
    err(Type::Cpu, Value::Bool(true));
    let e = err(Type::Cpu, s("500Mi"));
    assert_eq!(
        e.help.as_deref(),
        Some("CPU is written in cores (`1.5`) or millicores (`1500m`)")
    );
}

#[test]
fn memory() {
    accepts(
        Type::Memory,
        &[
            "512Mi",
            "1Gi",
            "1.5Gi",
            "1G",
            "128974848",
            "129e6",
            "129M",
            "123Mi",
            "1E",
            "1e3",
            "1E-3",
            "1e+3",
            "100m",
            "1Ki",
            "2Ti",
            "1Pi",
            "1Ei",
            "1k",
            "+1Gi",
            "1.",
            ".5Gi",
        ],
    );
    assert_eq!(ok(Type::Memory, Value::Int(1024)), s("1024"));
    rejects(
        Type::Memory,
        &[
            "", "Mi", "1.5Gb", "12XB", "1KI", "1K", "1mi", "-1Gi", "1 Gi", " 1Gi", "1e", "1e3.5",
            "1..5",
        ],
    );
    let e = err(Type::Memory, s("12XB"));
    assert_eq!(
        e.message,
        "expected a memory quantity such as `512Mi`, found `\"12XB\"`"
    );
    assert_eq!(e.help.as_deref(), Some(MEMORY_UNITS_HELP));
    let e = err(Type::Memory, s("1.5Gb"));
    assert_eq!(
        e.help.as_deref(),
        Some(
            "memory units are Ki, Mi, Gi, Ti, Pi, Ei (powers of 2) or k, M, G, T, P, E \
             (powers of 10): did you mean `1.5Gi`?"
        )
    );
    assert_eq!(
        err(Type::Memory, s("1K")).help.as_deref(),
        Some(format!("{MEMORY_UNITS_HELP}: did you mean `1Ki` or `1k`?").as_str())
    );
    err(Type::Memory, Value::Float(1.5));
    err(Type::Memory, Value::Int(-1));
    let e = err(Type::Memory, Value::Bool(false));
    assert_eq!(
        e.message,
        "expected a memory quantity such as `512Mi`, found a boolean `#false`"
    );
}

#[test]
fn durations() {
    assert_eq!(parse_duration("30s"), Some(30));
    assert_eq!(parse_duration("5m"), Some(300));
    assert_eq!(parse_duration("72h"), Some(259_200));
    assert_eq!(parse_duration("1h30m"), Some(5400));
    assert_eq!(parse_duration("1h30m15s"), Some(5415));
    assert_eq!(parse_duration("1h15s"), Some(3615));
    assert_eq!(parse_duration("0s"), Some(0));
    assert_eq!(parse_duration("90m"), Some(5400));
    for bad in [
        "",
        "90",
        "s",
        "1d",
        "500ms",
        "1.5h",
        "30m1h",
        "1h1h",
        "1h30",
        "-5s",
        "5S",
        " 5s",
        "1hm",
        "99999999999999999999999h",
        "5s ",
        "5é",
    ] {
        assert_eq!(parse_duration(bad), None, "{bad:?}");
    }

    assert_eq!(ok(Type::Duration, s("1h30m")), Value::Int(5400));
    assert_eq!(ok(Type::Duration, Value::Int(90)), Value::Int(90));
    assert_eq!(ok(Type::Duration, Value::Int(0)), Value::Int(0));

    let e = err(Type::Duration, s("90"));
    assert_eq!(
        e.message,
        "expected a duration such as `30s` or `1h30m`, found `\"90\"`"
    );
    assert_eq!(e.help.as_deref(), Some("add a unit: `90s`"));
    assert_eq!(
        err(Type::Duration, s("3d")).help.as_deref(),
        Some("there is no unit for days: write `72h`")
    );
    assert!(err(Type::Duration, s("500ms")).help.is_some());
    assert_eq!(
        err(Type::Duration, s("5M")).help.as_deref(),
        Some("units are lower case: `5m`")
    );
    err(Type::Duration, Value::Int(-1));
    err(Type::Duration, Value::Float(1.5));
    err(Type::Duration, Value::Null);

    let c = Constraints {
        min: Some(10),
        max: Some(3600),
        ..Default::default()
    };
    assert!(check(Type::Duration, &s("1h"), &c).is_ok());
    let e = check(Type::Duration, &s("1h30m"), &c).unwrap_err();
    assert_eq!(
        e.message,
        "expected a duration from `10s` to `1h`, found `\"1h30m\"`"
    );
    assert!(check(Type::Duration, &Value::Int(5), &c).is_err());
}

#[test]
fn ports() {
    assert_eq!(ok(Type::Port, Value::Int(1)), Value::Int(1));
    assert_eq!(ok(Type::Port, Value::Int(65535)), Value::Int(65535));
    let e = err(Type::Port, Value::Int(0));
    assert_eq!(
        e.message,
        "expected a port number from 1 to 65535, found `0`"
    );
    err(Type::Port, Value::Int(65536));
    let e = err(Type::Port, s("8080"));
    assert_eq!(e.help.as_deref(), Some("remove the quotes: `8080`"));
    let c = Constraints {
        min: Some(1024),
        ..Default::default()
    };
    let e = check(Type::Port, &Value::Int(80), &c).unwrap_err();
    assert_eq!(
        e.message,
        "expected a port number from 1024 to 65535, found `80`"
    );

    assert_eq!(ok(Type::PortRef, Value::Int(8080)), Value::Int(8080));
    accepts(
        Type::PortRef,
        &["http", "http-metrics", "h2c", "a", "abcdefghijklmno", "8a"],
    );
    rejects(
        Type::PortRef,
        &[
            "",
            "HTTP",
            "-http",
            "http-",
            "ht--tp",
            "abcdefghijklmnop",
            "123",
            "my_port",
            "8080",
        ],
    );
    err(Type::PortRef, Value::Int(0));
    err(Type::PortRef, Value::Bool(true));
}

#[test]
fn dns_names() {
    accepts(
        Type::DnsLabel,
        &["a", "my-app", "0abc", "a1-b2", &"a".repeat(63)],
    );
    rejects(
        Type::DnsLabel,
        &["", "-a", "a-", "My-App", "a.b", "a_b", "é", &"a".repeat(64)],
    );
    let e = err(Type::DnsLabel, s("My-App"));
    assert_eq!(
        e.message,
        "expected a DNS label such as `my-app`, found `\"My-App\"`"
    );
    assert_eq!(e.help.as_deref(), Some("use lower case: `my-app`"));
    let e = err(Type::DnsLabel, Value::Int(123));
    assert_eq!(e.help.as_deref(), Some("write it as a string: `\"123\"`"));

    accepts(
        Type::DnsSubdomain,
        &["example.com", "a", "a-b.c-d.e", "my-app"],
    );
    let long = vec!["a".repeat(63); 4].join(".");
    assert_eq!(long.len(), 255);
    rejects(
        Type::DnsSubdomain,
        &[
            "",
            ".a",
            "a.",
            "a..b",
            "Example.com",
            "*.example.com",
            &long,
            &"a".repeat(64),
        ],
    );

    accepts(Type::Host, &["example.com", "*.example.com", "localhost"]);
    rejects(
        Type::Host,
        &[
            "",
            "*",
            "*.",
            "a.*.com",
            "**.a",
            "http://a.com",
            "a.com/x",
            "A.com",
        ],
    );

    assert!(is_dns_label("abc", 3));
    assert!(!is_dns_label("abcd", 3));
    assert!(is_dns1035_label("a1", 63));
    assert!(!is_dns1035_label("1a", 63));
    assert!(!is_dns1035_label("", 63));
}

#[test]
fn dns_label_filter() {
    assert_eq!(dns_label("My App"), "my-app");
    assert_eq!(dns_label("feature/JIRA-123_fix"), "feature-jira-123-fix");
    assert_eq!(dns_label("--a__b--"), "a-b");
    assert_eq!(dns_label("Ünïcödé"), "n-c-d");
    assert_eq!(dns_label("日本"), "");
    assert_eq!(dns_label(""), "");
    assert_eq!(dns_label(&"a".repeat(60)), "a".repeat(53));
    // Cut right after a dash: the dash goes too.
    let cut = format!("{}-b", "a".repeat(52));
    assert_eq!(dns_label(&cut), "a".repeat(52));
    for x in ["My App", "feature/JIRA-123_fix", "x.y.z", &"ab-".repeat(40)] {
        assert!(is_dns_label(&dns_label(x), 53), "{x}");
    }
}

#[test]
fn paths_and_files() {
    accepts(Type::Path, &["/", "/healthz", "/a/b c"]);
    let e = err(Type::Path, s("healthz"));
    assert_eq!(e.help.as_deref(), Some("start it with `/`: `/healthz`"));
    rejects(Type::Path, &["", "/a\0"]);

    assert_eq!(ok(Type::File, s("config/app.toml")), s("config/app.toml"));
    accepts(Type::File, &["a", "../shared/x.txt"]);
    rejects(Type::File, &["", "/etc/passwd"]);
    err(Type::File, Value::Int(1));
}

#[test]
fn images() {
    let hex = "a".repeat(64);
    accepts(
        Type::Image,
        &[
            "nginx",
            "nginx:1.27",
            "nginx:1.27-alpine",
            "library/nginx:latest",
            "ghcr.io/org/app:v1.2.3",
            "registry.example.com:5000/team/app",
            "localhost/app",
            "localhost:5000/app:dev",
            "[::1]:5000/app",
            "192.168.1.1:5000/a/b/c",
            "a__b/c.d/e---f",
            "app:V1_X",
            &format!("app@sha256:{hex}"),
            &format!("ghcr.io/org/app:v1@sha256:{hex}"),
            &format!("app@sha512:{}", "0".repeat(128)),
            &format!("app:{}", "t".repeat(128)),
        ],
    );
    rejects(
        Type::Image,
        &[
            "",
            "Nginx",
            "nginx:",
            "nginx:.x",
            "nginx:-x",
            ":tag",
            "@sha256:abc",
            "app@sha256:abc",
            &format!("app@sha256:{}", "A".repeat(64)),
            &format!("app@md5:{hex}"),
            "app/",
            "/app",
            "a//b",
            "a___b",
            "a-/b",
            "-a",
            "a b",
            "https://ghcr.io/app",
            "ghcr.io:x/app",
            "-ghcr.io/app",
            &format!("app:{}", "t".repeat(129)),
            &"a".repeat(256),
        ],
    );
    let e = err(Type::Image, s("ghcr.io/Org/App:v1"));
    assert_eq!(
        e.message,
        "expected a container image reference such as `nginx:1.27`, found `\"ghcr.io/Org/App:v1\"`"
    );
    assert_eq!(
        e.help.as_deref(),
        Some("repository names are lower case: `ghcr.io/org/app:v1`")
    );
    // A capital makes a first part a registry; the fix is the repository
    // in lower case, the tag as written.
    for (given, fixed) in [
        ("Registry/UPPER/Case:1", "registry/upper/case:1"),
        ("Acme/Web:V1", "acme/web:V1"),
        ("GHCR.io/Org/App:Main", "ghcr.io/org/app:Main"),
        ("localhost:5000/App", "localhost:5000/app"),
    ] {
        let e = err(Type::Image, s(given));
        assert_eq!(
            e.help.as_deref(),
            Some(format!("repository names are lower case: `{fixed}`").as_str()),
            "{given}"
        );
        ok(Type::Image, s(fixed));
    }
}

#[test]
fn cron() {
    accepts(
        Type::Cron,
        &[
            "* * * * *",
            "*/5 * * * *",
            "0 0 * * *",
            "0 9-17 * * MON-FRI",
            "0 0 1 jan,jul *",
            "30 4 1,15 * 5",
            "0 0 ? * sun",
            "0-59/15 0 1-31 1-12 0-6",
            "5/10 * * * *",
            "  0  0 * * *  ",
            "@yearly",
            "@annually",
            "@monthly",
            "@weekly",
            "@daily",
            "@midnight",
            "@hourly",
        ],
    );
    rejects(
        Type::Cron,
        &[
            "",
            "* * * *",
            "* * * * * *",
            "60 * * * *",
            "* 24 * * *",
            "* * 0 * *",
            "* * 32 * *",
            "* * * 13 *",
            "* * * * 7",
            "*/0 * * * *",
            "*/x * * * *",
            "5-1 * * * *",
            "1,,2 * * * *",
            "* * * foo *",
            "* * * * MONDAY",
            "@every 1h",
            "@reboot",
            "-1 * * * *",
        ],
    );
    let e = err(Type::Cron, s("0 24 * * *"));
    assert_eq!(
        e.message,
        "expected a cron schedule such as `*/5 * * * *` or `@daily`, found `\"0 24 * * *\"`"
    );
    assert_eq!(
        e.help.as_deref(),
        Some("the hour field must be within 0–23, found `24`")
    );
    assert_eq!(
        err(Type::Cron, s("@daly")).help.as_deref(),
        Some("did you mean `@daily`?")
    );
}

#[test]
fn enums() {
    let values: Vec<String> = ["TCP", "UDP", "SCTP"].map(String::from).to_vec();
    let c = Constraints {
        values: &values,
        ..Default::default()
    };
    assert_eq!(check(Type::Enum, &s("UDP"), &c), Ok(s("UDP")));
    let e = check(Type::Enum, &s("tcp"), &c).unwrap_err();
    assert_eq!(
        e.message,
        "expected one of `TCP`, `UDP`, `SCTP`, found `\"tcp\"`"
    );
    assert_eq!(e.help.as_deref(), Some("did you mean `TCP`?"));
    let e = check(Type::Enum, &s("SCPT"), &c).unwrap_err();
    assert_eq!(e.help.as_deref(), Some("did you mean `SCTP`?"));
    let e = check(Type::Enum, &s("HTTP"), &c).unwrap_err();
    assert_eq!(e.help, None);
    let e = check(Type::Enum, &Value::Int(1), &c).unwrap_err();
    assert_eq!(
        e.message,
        "expected one of `TCP`, `UDP`, `SCTP`, found an integer `1`"
    );
    assert!(check(Type::Enum, &s("x"), &Constraints::default()).is_err());
}

#[test]
fn map_is_never_a_value() {
    let e = err(Type::Map, s("a=b"));
    assert_eq!(
        e.message,
        "expected properties (a map), found a string `\"a=b\"`"
    );
    err(Type::Map, Value::Null);
}

#[test]
fn scalar() {
    assert_eq!(ok(Type::Scalar, s("x")), s("x"));
    assert_eq!(ok(Type::Scalar, Value::Int(3)), s("3"));
    assert_eq!(ok(Type::Scalar, Value::Float(1.0)), s("1.0"));
    assert_eq!(ok(Type::Scalar, Value::Float(0.25)), s("0.25"));
    assert_eq!(ok(Type::Scalar, Value::Bool(false)), s("false"));
    err(Type::Scalar, Value::Null);
}

#[test]
fn int_or_percent() {
    assert_eq!(ok(Type::IntOrPercent, Value::Int(3)), Value::Int(3));
    assert_eq!(ok(Type::IntOrPercent, Value::Int(0)), Value::Int(0));
    assert_eq!(ok(Type::IntOrPercent, s("25%")), s("25%"));
    accepts(Type::IntOrPercent, &["0%", "100%", "150%"]);
    rejects(
        Type::IntOrPercent,
        &["", "%", "25", "2.5%", "-5%", "25 %", "x%"],
    );
    let e = err(Type::IntOrPercent, s("3"));
    assert_eq!(
        e.help.as_deref(),
        Some("remove the quotes for a count (`3`), or add `%` for a percentage (`\"3%\"`)")
    );
    err(Type::IntOrPercent, Value::Int(-1));
    err(Type::IntOrPercent, Value::Float(0.5));
}

#[test]
fn file_mode() {
    assert_eq!(ok(Type::FileMode, s("0644")), Value::Int(420));
    assert_eq!(ok(Type::FileMode, s("0755")), Value::Int(493));
    assert_eq!(ok(Type::FileMode, s("644")), Value::Int(420));
    assert_eq!(ok(Type::FileMode, s("0777")), Value::Int(511));
    assert_eq!(ok(Type::FileMode, s("000")), Value::Int(0));
    rejects(
        Type::FileMode,
        &[
            "",
            "64",
            "0999",
            "00644",
            "1777",
            "+644",
            "0o644",
            "rw-r--r--",
            "६४४",
        ],
    );
    let e = err(Type::FileMode, Value::Int(644));
    assert_eq!(
        e.message,
        "expected an octal file mode such as `\"0644\"`, found an integer `644`"
    );
    assert_eq!(
        e.help.as_deref(),
        Some("write the mode as a string, such as \"0644\"")
    );
}

/// No input makes any check panic.
#[test]
fn no_panics() {
    let strings = [
        "",
        " ",
        "-",
        "+",
        ".",
        ":",
        "@",
        "/",
        "*",
        "%",
        "é",
        "日本語",
        "\0",
        "1e",
        "e1",
        "[",
        "[]",
        "[::1",
        "a@",
        "@a",
        "a:b:c",
        "*/",
        "/*",
        "1-",
        "-1",
        "1--2",
        "9999999999999999999999999999999999999999",
        "0x10",
        "１２",
        "1h\u{301}",
        "Ki",
        "%%",
        "a/b@sha256:",
    ];
    let values: Vec<String> = vec!["a".into(), "é".into()];
    let c = Constraints {
        min: Some(i128::MIN),
        max: Some(i128::MAX),
        values: &values,
    };
    for ty in Type::ALL {
        for x in strings {
            let _ = check(*ty, &s(x), &c);
            let _ = check(*ty, &s(x), &Constraints::default());
        }
        for v in [
            Value::Int(i128::MIN),
            Value::Int(i128::MAX),
            Value::Float(f64::NAN),
            Value::Float(f64::INFINITY),
            Value::Float(-0.0),
            Value::Float(1e300),
            Value::Bool(true),
            Value::Null,
        ] {
            let _ = check(*ty, &v, &c);
        }
    }
    for x in strings {
        let _ = dns_label(x);
        let _ = parse_duration(x);
    }
}
