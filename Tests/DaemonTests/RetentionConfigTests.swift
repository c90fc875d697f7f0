// RetentionConfigTests.swift — the keys of job ownership and retention: job_retention takes a
// duration (30d, 12h, 90m, 2w, a bare number of days, 0 = keep forever), group_may_manage_all a
// boolean, both from the file, the environment and flags, with errors naming where.
import Daemon
import DiffProtocol
import Foundation
import Testing

@Suite struct RetentionConfigTests {
    @Test func durationsParseAndFormat() {
        #expect(Durations.parse("30d") == 30 * 86_400 && Durations.parse("12h") == 43_200 && Durations.parse("90m") == 5_400)
        #expect(Durations.parse("45s") == 45 && Durations.parse("2w") == 1_209_600 && Durations.parse("1.5") == 129_600)
        #expect(Durations.parse("0") == 0)
        for bad in ["", "-1d", "abc", "3x", "inf", "nan"] { #expect(Durations.parse(bad) == nil, "\(bad)") }
        #expect(Durations.format(30 * 86_400) == "30d" && Durations.format(5_400) == "90m" && Durations.format(0) == "0")
        #expect(Durations.format(1.5) == "1.5s")
    }

    @Test func keysFromFileEnvironmentAndFlags() throws {
        var c = DaemonConfig()
        #expect(c.jobRetention == 30 * 86_400 && c.groupMayManageAll == false)
        try c.apply(fileText: "job_retention = 12h\ngroup_may_manage_all = true\n", name: "x.conf")
        #expect(c.jobRetention == 43_200 && c.groupMayManageAll)
        try c.apply(environment: ["DIFFUSIOND_JOB_RETENTION": "0", "DIFFUSIOND_GROUP_MAY_MANAGE_ALL": "no"])
        #expect(c.jobRetention == 0 && !c.groupMayManageAll)
        #expect(throws: ConfigError("x.conf:1", "job_retention must be a duration such as 30d, 12h, 90m or 0 (keep forever), got 'soon'")) {
            try c.apply(fileText: "job_retention = soon", name: "x.conf")
        }
        #expect(throws: ConfigError("--group-may-manage-all", "group_may_manage_all must be true or false, got 'maybe'")) {
            _ = try DaemonConfig.load(arguments: ["--group-may-manage-all", "maybe"], environment: ["DIFFUSIOND_CONFIG": "/dev/null"])
        }
        guard case .run(let f) = try DaemonConfig.load(arguments: ["--job-retention", "3d"], environment: ["DIFFUSIOND_CONFIG": "/dev/null"]) else {
            Issue.record("expected .run"); return
        }
        #expect(f.jobRetention == 3 * 86_400)
        #expect(f.rendered(environment: [:]).contains("\ngroup_may_manage_all = false\njob_retention = 3d\n"))
        #expect(Durations.format(7 * 86_400) == "1w")
    }
}
