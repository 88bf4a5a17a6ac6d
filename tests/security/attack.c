/* What a hostile container runs against berth (tests/security). Built static with the
 * host's cc into the test's rootfs, so it needs nothing of the container's.
 *
 *   attack race          watch /proc for processes berth puts into this container and try
 *                        /proc/<pid>/exe, /proc/<pid>/fd and ptrace on each (never writing:
 *                        an exe opened for writing is closed at once, a tracee is let go)
 *   attack swap A B      exchange A and B (renameat2 RENAME_EXCHANGE) in a loop
 *   attack stop          SIGSTOP every other process that appears in this pid namespace
 *
 * race prints one line per finding (at most once per pid and kind) and "ready" first:
 *   EXE <pid> <dev>:<ino> writable=<0|1> <link>   an exe it could open other than /bin/busybox
 *   FD <pid> <fd> <link> exe=<link>               an fd above 2 of another process it could
 *                                                 read the link of
 *   PTRACE <pid> exe=<link>                       a process it could attach to, not busybox
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAXPID (1 << 22)
static unsigned char seen[MAXPID];
enum { SEEN_EXE = 1, SEEN_FD = 2, SEEN_PTRACE = 4 };

static void exe_of(int pid, char *out, size_t size) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/exe", pid);
    ssize_t n = readlink(path, out, size - 1);
    out[n > 0 ? n : 0] = 0;
}

static int busybox(const char *exe) {
    return strcmp(exe, "/bin/busybox") == 0 || strcmp(exe, "/attack") == 0;
}

static void probe(int pid) {
    char path[300], link[4096], exe[4096];
    if (!(seen[pid] & SEEN_EXE)) {
        snprintf(path, sizeof path, "/proc/%d/exe", pid);
        int fd = open(path, O_PATH | O_CLOEXEC);
        if (fd >= 0) {
            struct stat st;
            char self[64];
            snprintf(self, sizeof self, "/proc/self/fd/%d", fd);
            ssize_t n = readlink(self, exe, sizeof exe - 1);  /* what was opened */
            exe[n > 0 ? n : 0] = 0;
            if (fstat(fd, &st) == 0 && !busybox(exe)) {
                int w = open(self, O_WRONLY | O_CLOEXEC);  /* closed unwritten */
                if (w >= 0)
                    close(w);
                printf("EXE %d %u:%u:%lu writable=%d %s\n", pid, major(st.st_dev),
                       minor(st.st_dev), (unsigned long)st.st_ino, w >= 0, exe);
                seen[pid] |= SEEN_EXE;
            }
            close(fd);
        }
    }
    if (!(seen[pid] & SEEN_FD)) {
        snprintf(path, sizeof path, "/proc/%d/fd", pid);
        DIR *d = opendir(path);
        if (d) {
            struct dirent *e;
            while ((e = readdir(d))) {
                if (e->d_name[0] == '.' || atoi(e->d_name) <= 2)
                    continue;
                char fp[600];
                snprintf(fp, sizeof fp, "%s/%s", path, e->d_name);
                ssize_t n = readlink(fp, link, sizeof link - 1);  /* numbers alone tell nothing */
                if (n <= 0)
                    continue;
                link[n] = 0;
                exe_of(pid, exe, sizeof exe);
                printf("FD %d %s %s exe=%s\n", pid, e->d_name, link, exe);
                seen[pid] |= SEEN_FD;
            }
            closedir(d);
        }
    }
    if (!(seen[pid] & SEEN_PTRACE) && ptrace(PTRACE_SEIZE, pid, 0, 0) == 0) {
        int status;
        exe_of(pid, exe, sizeof exe);  /* empty: gone already (a quick program's exit) */
        if (exe[0] && !busybox(exe)) {
            printf("PTRACE %d exe=%s\n", pid, exe);
            seen[pid] |= SEEN_PTRACE;
        }
        if (ptrace(PTRACE_INTERRUPT, pid, 0, 0) == 0 && waitpid(pid, &status, __WALL) == pid)
            ptrace(PTRACE_DETACH, pid, 0, 0);
    }
}

/* Call fn on every pid but 1 and this one, over and over; "ready" first. */
static int scan(void (*fn)(int)) {
    int me = getpid();
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("ready\n");
    for (;;) {
        DIR *d = opendir("/proc");
        if (!d)
            return 1;
        struct dirent *e;
        while ((e = readdir(d))) {
            int pid = atoi(e->d_name);
            if (pid > 1 && pid != me && pid < MAXPID)
                fn(pid);
        }
        closedir(d);
    }
}

static void stop(int pid) {
    kill(pid, SIGSTOP);
}

static int swap(const char *a, const char *b) {
    for (;;)
        if (syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, 2 /* RENAME_EXCHANGE */) != 0) {
            perror("renameat2");
            return 1;
        }
}

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "race") == 0)
        return scan(probe);
    if (argc == 2 && strcmp(argv[1], "stop") == 0)
        return scan(stop);
    if (argc == 4 && strcmp(argv[1], "swap") == 0)
        return swap(argv[2], argv[3]);
    fprintf(stderr, "usage: attack race | attack stop | attack swap A B\n");
    return 2;
}
