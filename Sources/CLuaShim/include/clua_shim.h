/*
 * The C half of the Lua handler sandbox.
 *
 * Swift cannot call Lua's function-like macros and must never be crossed by Lua's longjmp, so
 * everything that raises Lua errors, installs hooks or builds the sandboxed library lives here.
 * Swift talks to a `clua_sandbox` (one lua_State plus its allocator budget, deadline and hook
 * state) and implements the host functions (logs, JSON, SOCKET) through one callback that never
 * raises: it returns a result count, or CLUA_HOST_ERROR with the error value pushed, and the C
 * trampoline raises after Swift has returned.
 */
#pragma once

#include <lua5.4/lua.h>
#include <lua5.4/lauxlib.h>
#include <stddef.h>
#include <stdint.h>

typedef struct clua_sandbox clua_sandbox;

/* LUA_REGISTRYINDEX, which Swift does not import (it is computed from another macro). */
static const int CLUA_REGISTRYINDEX = LUA_REGISTRYINDEX;

/* Host functions implemented in Swift; the op is the closure's upvalue. */
enum clua_host_op {
    CLUA_OP_LOGS = 0,
    CLUA_OP_PRINT,          /* one argument: the tab-joined, tostring'd line */
    CLUA_OP_JSON_ENCODE,
    CLUA_OP_JSON_DECODE,
    CLUA_OP_REPLY,
    CLUA_OP_JOIN,
    CLUA_OP_LEAVE,
    CLUA_OP_EMIT_TO_USER,
    CLUA_OP_EMIT_TO_ROOM,
    CLUA_OP_BROADCAST_TO_ROOM,
    CLUA_OP_EMIT_TO_GATEWAY,
    CLUA_OP_BROADCAST,
    CLUA_OP_DISCONNECT,
    CLUA_OP_ROOM_SIZE,
    CLUA_OP_ROOMS,
    CLUA_OP_SIGN_IN,
    CLUA_OP_SIGN_OUT,
    CLUA_OP_VOLATILE_REPLY,
    CLUA_OP_VOLATILE_EMIT_TO_ROOM,
    CLUA_OP_AUTH_VERIFY,
    CLUA_OP_AUTH_SIGN,
    CLUA_OP_AUTH_HASH_PASSWORD,
    CLUA_OP_AUTH_VERIFY_PASSWORD,
    /* DB.<collection>.<method>: the collection's name is inserted as argument 1. */
    CLUA_OP_DB_FIND,
    CLUA_OP_DB_FIND_ONE,
    CLUA_OP_DB_COUNT,
    CLUA_OP_DB_CREATE,
    CLUA_OP_DB_UPDATE,
    CLUA_OP_DB_REPLACE,
    CLUA_OP_DB_DELETE,
    CLUA_OP_DB_TRANSACTION, /* one argument: the function to run inside the transaction */
};

/* Return values of a host function besides a result count. */
#define CLUA_HOST_ERROR (-1)       /* error value on top of the stack: raise it */
#define CLUA_HOST_OUT_OF_MEMORY (-2) /* the memory budget ran out while the host pushed values */

typedef int (*clua_host_fn)(lua_State *L, int op);

/* Lifecycle. `create` opens the sandboxed libraries; NULL when even that fails. */
clua_sandbox *clua_sandbox_create(clua_host_fn host, void *host_context, size_t memory_limit);
void clua_sandbox_destroy(clua_sandbox *sb);
/* Closes the state and opens a fresh one (after a limit was hit). Returns 0 on success. */
int clua_sandbox_reset(clua_sandbox *sb);
lua_State *clua_sandbox_state(clua_sandbox *sb);
void *clua_sandbox_host_context(lua_State *L);
clua_sandbox *clua_sandbox_of(lua_State *L);

/* Memory: bytes in use by the state, the cap, and whether the cap refused an allocation for good. */
size_t clua_sandbox_memory_used(clua_sandbox *sb);
void clua_sandbox_set_memory_limit(clua_sandbox *sb, size_t limit);
int clua_sandbox_over_budget(clua_sandbox *sb);
int clua_sandbox_memory_exceeded(clua_sandbox *sb);
/* While lifted (nestable), allocations are counted but never refused, so unprotected pushes cannot raise. */
void clua_sandbox_lift_cap(clua_sandbox *sb);
void clua_sandbox_restore_cap(clua_sandbox *sb);

/* Deadlines: the worker brackets each run; a watchdog thread polls. */
uint64_t clua_monotonic_ns(void);
void clua_sandbox_begin_run(clua_sandbox *sb, uint64_t deadline_ns);
void clua_sandbox_end_run(clua_sandbox *sb);
int clua_sandbox_timed_out(clua_sandbox *sb);
/* Called from the watchdog thread: arms the kill hook when the deadline has passed. Returns whether a
 * run with a deadline still to come is in progress. */
int clua_sandbox_enforce_deadline(clua_sandbox *sb, uint64_t now_ns);

/* Per-run environment. */
void clua_push_run_env(lua_State *L);      /* fresh _ENV table whose globals fall back to the shared base */
void clua_push_socket_table(lua_State *L); /* fresh SOCKET table (functions shared, read-only), kept as the run's */
void clua_push_run_socket(lua_State *L);   /* the run's SOCKET table (nil when none), whatever the script did to _ENV */
/* Remembers the table on top as the run's initial SOCKET.data when `empty` (else forgets any), so that
   clua_socket_data_untouched can tell a run that never used SOCKET.data without converting it. */
void clua_keep_run_data(lua_State *L, int empty);
/* 1 when the run's SOCKET.data is still the empty table it started with. */
int clua_socket_data_untouched(lua_State *L);
/* Pops the env on top and makes it the _ENV of the function just below it, and the default env of `load`. */
void clua_bind_env(lua_State *L);
/* Sets the _ENV of the function on top to nil and forgets the run's env and SOCKET table. */
void clua_unbind_env(lua_State *L);
void clua_rawsetfield(lua_State *L, int index, const char *key);
int clua_rawgetfield(lua_State *L, int index, const char *key);

/* Values with sandbox meaning. */
void clua_push_null(lua_State *L);
int clua_is_null(lua_State *L, int index);
void clua_push_binary(lua_State *L, const void *bytes, size_t length);
/* Returns the bytes of a binary value (and its length), or NULL when the value is not binary. */
const void *clua_to_binary(lua_State *L, int index, size_t *length);
void clua_mark_array(lua_State *L, int index);
int clua_is_marked_array(lua_State *L, int index);
/* A failure object as THROW raises it: table {status, code?, message?, details?} with a private metatable. */
void clua_push_failure(lua_State *L, int status, const char *code, const char *message);
int clua_is_failure(lua_State *L, int index);

/* Macro replacements. */
int clua_pcall(lua_State *L, int nargs, int nresults);
/* From inside a host function: calls the function on top (no arguments, all results) with the memory cap
   back in force, as the script itself runs, and returns lua_pcall's status. */
int clua_host_pcall(lua_State *L);
int clua_load_text(lua_State *L, const char *source, size_t length, const char *chunkname);
/* A full collection, which (unlike Lua's emergency one) also shrinks thread stacks. */
void clua_gc_collect(lua_State *L);

/* Syntax check on a throwaway state (text only). Returns 0 when fine; else writes the message. */
int clua_check_syntax(const char *source, size_t length, const char *chunkname, char *message, size_t capacity);

/* Used by the bounded library functions (pattern matching, table shifts) to stop at the deadline. */
void clua_check_deadline(lua_State *L);
int clua_open_bounded_patterns(lua_State *L); /* replaces find/match/gmatch/gsub in the table on top */
int clua_bounded_sort(lua_State *L);          /* table.sort */

/* Names the calling thread for the kernel (15 characters at most; longer names are cut). */
void clua_name_current_thread(const char *name);
