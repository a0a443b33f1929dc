/*
 * banned.h - functions that are easy to misuse (git's banned.h).
 *
 * Included after all other headers by every .c file; using one of
 * these is a compile error.  Use snprintf/buf_printf, gmtime_r and
 * localtime_r instead.
 */
#ifndef GRIDCASE_BANNED_H
#define GRIDCASE_BANNED_H

#define BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) BANNED(strcpy)
#undef strcat
#define strcat(x, y) BANNED(strcat)
#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf)
#undef strtok
#define strtok(x, y) BANNED(strtok)
#undef gmtime
#define gmtime(t) BANNED(gmtime)
#undef localtime
#define localtime(t) BANNED(localtime)
#undef ctime
#define ctime(t) BANNED(ctime)

#endif
