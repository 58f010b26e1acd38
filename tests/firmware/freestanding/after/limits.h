/* Empty on purpose. GCC's own limits.h defines every C11 limit itself, then looks for the C
 * library's limits.h (#include_next) for POSIX extras; a device has no C library, so this is the
 * one it finds (freestanding.sh searches this directory after the compiler's). Clang's limits.h
 * does not look when compiling freestanding. */
