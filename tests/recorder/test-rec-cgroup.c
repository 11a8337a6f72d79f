// SPDX-License-Identifier: Apache-2.0
/* Container attribution from cgroup paths, every runtime and layout. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "recorder/rec-cgroup.h"

#define ID "4f1c2a9b7e3d5a6b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b"
#define UID_ "0a1b2c3d-4e5f-6789-abcd-ef0123456789"
#define UID_US "0a1b2c3d_4e5f_6789_abcd_ef0123456789"

static void expect_path(const char *path, const char *runtime, const char *pod)
{
	struct rec_cgroup_id cg;
	int r = rec_cgroup_parse_path(path, strlen(path), &cg);

	if (!runtime) {
		assert_int_equal(r, 0);
		assert_string_equal(cg.id, "");
		return;
	}
	assert_int_equal(r, 1);
	assert_string_equal(cg.id, ID);
	assert_string_equal(cg.runtime, runtime);
	assert_string_equal(cg.pod_uid, pod ? pod : "");
}

static void test_docker(void **s)
{
	(void)s;
	expect_path("/docker/" ID, "docker", NULL);
	expect_path("/system.slice/docker-" ID ".scope", "docker", NULL);
	expect_path("/docker/" ID "/init.scope", "docker", NULL);	/* nested cgroup */
	expect_path("/my-parent/" ID, "container", NULL);		/* --cgroup-parent */
}

static void test_other_runtimes(void **s)
{
	(void)s;
	expect_path("/system.slice/cri-containerd-" ID ".scope", "containerd", NULL);
	expect_path("/machine.slice/crio-" ID ".scope", "crio", NULL);
	expect_path("/machine.slice/libpod-" ID ".scope/container", "podman", NULL);
	expect_path("/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID ".scope",
		    "podman", NULL);
}

static void test_kubepods(void **s)
{
	(void)s;
	/* cgroupfs driver */
	expect_path("/kubepods/burstable/pod" UID_ "/" ID, "kubepods", UID_);
	expect_path("/kubepods/pod" UID_ "/" ID, "kubepods", UID_);
	/* systemd driver, containerd and CRI-O */
	expect_path("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_US
		    ".slice/cri-containerd-" ID ".scope", "containerd", UID_);
	expect_path("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_US
		    ".slice/crio-" ID ".scope", "crio", UID_);
	/* the pod's own cgroup (no container) is the host's */
	expect_path("/kubepods/burstable/pod" UID_, NULL, NULL);
}

static void test_host(void **s)
{
	(void)s;
	expect_path("/", NULL, NULL);
	expect_path("", NULL, NULL);
	expect_path("/user.slice/user-0.slice/session-3.scope", NULL, NULL);
	expect_path("/system.slice/sshd.service", NULL, NULL);
	/* conmon processes belong to the host */
	expect_path("/machine.slice/libpod-conmon-" ID ".scope", NULL, NULL);
	expect_path("/machine.slice/crio-conmon-" ID ".scope", NULL, NULL);
	/* not an id: 32 hex, 63 hex, upper case, no parent */
	expect_path("/process_api/16c59cd88ecc84951f7f32f70b7c2286", NULL, NULL);
	expect_path("/docker/" "4f1c2a9b7e3d5a6b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1", NULL, NULL);
	expect_path("/docker/" "4F1C2A9B7E3D5A6B8C9D0E1F2A3B4C5D6E7F8A9B0C1D2E3F4A5B6C7D8E9F0A1B", NULL, NULL);
	expect_path("/" ID, NULL, NULL);
	expect_path("/docker-" ID ".slice", NULL, NULL);
}

static void test_nested_deepest_wins(void **s)
{
	const char *p = "/docker/1111111111111111111111111111111111111111111111111111111111111111/docker/" ID;
	struct rec_cgroup_id cg;

	(void)s;
	assert_int_equal(rec_cgroup_parse_path(p, strlen(p), &cg), 1);
	assert_string_equal(cg.id, ID);
}

static void test_file_v1(void **s)
{
	const char *f =
		"12:pids:/docker/" ID "\n"
		"11:memory:/docker/" ID "\n"
		"1:name=systemd:/docker/" ID "\n"
		"0::/\n";
	struct rec_cgroup_id cg;

	(void)s;
	assert_int_equal(rec_cgroup_parse_file(f, strlen(f), &cg), 1);
	assert_string_equal(cg.id, ID);
	assert_string_equal(cg.runtime, "docker");
}

static void test_file_v2(void **s)
{
	const char *f = "0::/system.slice/docker-" ID ".scope\n";
	struct rec_cgroup_id cg;

	(void)s;
	assert_int_equal(rec_cgroup_parse_file(f, strlen(f), &cg), 1);
	assert_string_equal(cg.runtime, "docker");
}

static void test_file_hybrid(void **s)
{
	/* hybrid: v1 controllers at the root, the container only on the v2
	 * line (as in a test that moves a process into unified/ only) */
	const char *f =
		"9:name=systemd:/\n"
		"4:memory:/process_api/16c59cd88ecc84951f7f32f70b7c2286\n"
		"1:cpu:/\n"
		"0::/kubepods/besteffort/pod" UID_ "/" ID "\n";
	struct rec_cgroup_id cg;

	(void)s;
	assert_int_equal(rec_cgroup_parse_file(f, strlen(f), &cg), 1);
	assert_string_equal(cg.runtime, "kubepods");
	assert_string_equal(cg.pod_uid, UID_);
}

static void test_file_host_and_garbage(void **s)
{
	const char *host = "9:name=systemd:/\n4:memory:/process_api/16c59cd88ecc84951f7f32f70b7c2286\n0::/\n";
	const char *garbage = "no colons here\n\n\xff\xfe";
	const char *no_nl = "0::/docker/" ID;	/* no trailing newline */
	struct rec_cgroup_id cg;

	(void)s;
	assert_int_equal(rec_cgroup_parse_file(host, strlen(host), &cg), 0);
	assert_string_equal(cg.id, "");
	assert_int_equal(rec_cgroup_parse_file(garbage, strlen(garbage), &cg), -22);
	assert_int_equal(rec_cgroup_parse_file("", 0, &cg), -22);
	assert_int_equal(rec_cgroup_parse_file(no_nl, strlen(no_nl), &cg), 1);
	/* a path cut in the middle of the id is not an id */
	assert_int_equal(rec_cgroup_parse_file(no_nl, strlen(no_nl) - 1, &cg), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_docker),
		cmocka_unit_test(test_other_runtimes),
		cmocka_unit_test(test_kubepods),
		cmocka_unit_test(test_host),
		cmocka_unit_test(test_nested_deepest_wins),
		cmocka_unit_test(test_file_v1),
		cmocka_unit_test(test_file_v2),
		cmocka_unit_test(test_file_hybrid),
		cmocka_unit_test(test_file_host_and_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
