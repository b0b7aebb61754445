// The helpers that need GNU extensions (CPU_COUNT, pthread_setname_np, dl_iterate_phdr).
// _GNU_SOURCE is defined only in this translation unit, never in the imported header.
#define _GNU_SOURCE
#include <limits.h>
#include <link.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <sched.h>
#include <string.h>
#include "CParallelKit.h"

int pk_affinity_cpu_count(void) {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) != 0) {
        return -1;
    }
    return CPU_COUNT(&set);
}

void pk_set_thread_name(pthread_t thread, const char *name) {
    char truncated[16];
    int i = 0;
    for (; i < 15 && name[i] != 0; i++) truncated[i] = name[i];
    truncated[i] = 0;
    pthread_setname_np(thread, truncated);
}

int pk_futex_wait(uint32_t *word, uint32_t expected, int64_t timeout_ns) {
    struct timespec timeout = { (time_t)(timeout_ns / 1000000000), (long)(timeout_ns % 1000000000) };
    if (syscall(SYS_futex, word, FUTEX_WAIT, expected, &timeout, NULL, 0) == 0) return 0;
    return errno == EAGAIN ? 0 : errno;
}

void pk_futex_wake_all(uint32_t *word) {
    syscall(SYS_futex, word, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

int pk_current_thread_name(char *out, size_t capacity) {
    return pthread_getname_np(pthread_self(), out, capacity);
}

struct pk_build_id_search {
    unsigned char *out;
    size_t capacity;
    size_t length;
};

static int pk_build_id_callback(struct dl_phdr_info *info, size_t size, void *data) {
    (void)size;
    struct pk_build_id_search *search = (struct pk_build_id_search *)data;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *header = &info->dlpi_phdr[i];
        if (header->p_type != PT_NOTE) continue;
        const unsigned char *note = (const unsigned char *)(info->dlpi_addr + header->p_vaddr);
        const unsigned char *end = note + header->p_memsz;
        while (note + sizeof(ElfW(Nhdr)) <= end) {
            const ElfW(Nhdr) *nhdr = (const ElfW(Nhdr) *)note;
            size_t name_size = (nhdr->n_namesz + 3) & ~(size_t)3;
            size_t desc_size = (nhdr->n_descsz + 3) & ~(size_t)3;
            const unsigned char *name = note + sizeof(ElfW(Nhdr));
            const unsigned char *desc = name + name_size;
            if (desc + nhdr->n_descsz > end) break;
            if (nhdr->n_type == NT_GNU_BUILD_ID && nhdr->n_namesz == 4 && memcmp(name, "GNU", 4) == 0) {
                size_t length = nhdr->n_descsz < search->capacity ? nhdr->n_descsz : search->capacity;
                memcpy(search->out, desc, length);
                search->length = length;
                return 1;
            }
            note = desc + desc_size;
        }
    }
    return 1; /* only the main executable, which dl_iterate_phdr reports first */
}

size_t pk_executable_build_id(unsigned char *out, size_t capacity) {
    struct pk_build_id_search search = { out, capacity, 0 };
    dl_iterate_phdr(pk_build_id_callback, &search);
    return search.length;
}
