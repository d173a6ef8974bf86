#ifndef CARGON2_SHIM_H
#define CARGON2_SHIM_H
// Argon2 (the reference implementation, Debian's libargon2-dev): password hashing for
// customers who sign in with email and password.
#include <argon2.h>
#endif
