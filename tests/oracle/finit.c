/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One finit_module() call, no retry through init_module() (busybox insmod
 * does that and the loader then prints its messages twice).
 *   finit MODULE.ko     prints "ret=0" or "ret=-ERRNO" on stdout */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: finit MODULE.ko\n");
		return 2;
	}
	int fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		perror(argv[1]);
		return 2;
	}
	long r = syscall(SYS_finit_module, fd, "", 0);
	printf("ret=%d\n", r == 0 ? 0 : -errno);
	return 0;
}
