/*
 * One sandboxed lua_State: capped allocator, deadline enforcement, and the safe global environment.
 *
 * Environment layout. The registry's global table ("base") holds the safe library; it is never a
 * script's _ENV. Each run gets a fresh _ENV table whose metatable (shared, locked) falls back to
 * base, so globals a script sets vanish with the run. Library tables in base are empty proxies
 * (__index to the real table, __newindex raising, __metatable locked, __pairs iterating the real
 * table) registered in a weak "frozen" set that the sandbox's rawset refuses to write. The string
 * metatable is locked the same way.
 *
 * Deadline. No hook is set while a run is within its deadline (a count hook makes Lua check on
 * every instruction). A watchdog thread calls clua_sandbox_enforce_deadline, which marks the run
 * expired and installs a hook that raises on every instruction, on the main thread and on the
 * coroutine currently running (the sandbox's coroutine functions track it). C loops that no hook
 * sees (pattern matching, table shifts and sorting) poll the expired flag.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lua5.4/lualib.h>

#include "clua_shim.h"

#if !defined(l_unlikely)
#define l_unlikely(x) luai_unlikely(x)
#endif

struct clua_sandbox {
    lua_State *L;
    clua_host_fn host;
    void *host_context;

    /* Allocator budget; only the owning worker thread touches these. */
    size_t used;
    size_t limit;
    int lifted;
    int exceeded;
    const void *refused_ptr;
    size_t refused_size;
    int refusal_pending;

    /* Deadline state, shared with the watchdog thread under `lock`. */
    pthread_mutex_t lock;
    lua_State *running;
    uint64_t deadline;
    atomic_int expired;

    /* Identities of the sandbox's special values, for cheap checks from Swift. */
    const void *null_value;
    const void *array_meta;
    const void *binary_meta;
    const void *failure_meta;
};

/* Registry keys (their addresses are the keys). */
static const char KEY_ENV_META = 0;
static const char KEY_SOCKET_META = 0;
static const char KEY_FAILURE_META = 0;
static const char KEY_BINARY_META = 0;
static const char KEY_ARRAY_META = 0;
static const char KEY_NULL = 0;
static const char KEY_FROZEN = 0;
static const char KEY_RUN_ENV = 0;
static const char KEY_RUN_SOCKET = 0;
static const char KEY_RUN_DATA = 0;
static const char KEY_COLLECTION_META = 0;

static const char TIMEOUT_MESSAGE[] = "timeout: the handler ran out of time";

/* ---------------------------------------------------------------------------------------------- */
/* Allocator                                                                                       */

/*
 * A refused allocation is final unless the very next growing allocation is Lua's retry of the same
 * request (after an emergency collection) and succeeds. String buffers and a failed retry never get a
 * second chance, so whatever else comes next, or the end of the run, makes the refusal final.
 */
static void settle_refusal(clua_sandbox *sb, const void *ptr, size_t nsize, int granted) {
    if (!sb->refusal_pending) return;
    sb->refusal_pending = 0;
    if (!granted || sb->refused_ptr != ptr || sb->refused_size != nsize) sb->exceeded = 1;
}

static void *sandbox_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    clua_sandbox *sb = ud;
    if (ptr == NULL) osize = 0;
    if (nsize == 0) {
        free(ptr);
        sb->used -= osize;
        return NULL;
    }
    if (nsize > osize && sb->lifted == 0 && sb->used - osize + nsize > sb->limit) {
        settle_refusal(sb, ptr, nsize, 0);
        sb->refusal_pending = 1;
        sb->refused_ptr = ptr;
        sb->refused_size = nsize;
        return NULL;
    }
    void *block = realloc(ptr, nsize);
    if (block != NULL) {
        sb->used = sb->used - osize + nsize;
        if (nsize > osize) settle_refusal(sb, ptr, nsize, 1);
    }
    return block;
}

clua_sandbox *clua_sandbox_of(lua_State *L) {
    void *ud = NULL;
    lua_getallocf(L, &ud);
    return ud;
}

void *clua_sandbox_host_context(lua_State *L) { return clua_sandbox_of(L)->host_context; }
lua_State *clua_sandbox_state(clua_sandbox *sb) { return sb->L; }
size_t clua_sandbox_memory_used(clua_sandbox *sb) { return sb->used; }
void clua_sandbox_set_memory_limit(clua_sandbox *sb, size_t limit) { sb->limit = limit; }
int clua_sandbox_over_budget(clua_sandbox *sb) { return sb->used > sb->limit; }
int clua_sandbox_memory_exceeded(clua_sandbox *sb) { return sb->exceeded || sb->refusal_pending; }
void clua_sandbox_lift_cap(clua_sandbox *sb) { sb->lifted++; }
void clua_sandbox_restore_cap(clua_sandbox *sb) { sb->lifted--; }

/* ---------------------------------------------------------------------------------------------- */
/* Deadline                                                                                        */

uint64_t clua_monotonic_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

static void kill_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    if (atomic_load_explicit(&clua_sandbox_of(L)->expired, memory_order_relaxed)) {
        luaL_error(L, TIMEOUT_MESSAGE);
    } else {
        lua_sethook(L, NULL, 0, 0); /* left over from an earlier run */
    }
}

static void arm_kill_hook(lua_State *L) { lua_sethook(L, kill_hook, LUA_MASKCOUNT, 1); }

void clua_check_deadline(lua_State *L) {
    if (atomic_load_explicit(&clua_sandbox_of(L)->expired, memory_order_relaxed)) {
        luaL_error(L, TIMEOUT_MESSAGE);
    }
}

void clua_sandbox_begin_run(clua_sandbox *sb, uint64_t deadline_ns) {
    lua_sethook(sb->L, NULL, 0, 0);
    sb->exceeded = 0;
    sb->refusal_pending = 0;
    pthread_mutex_lock(&sb->lock);
    atomic_store(&sb->expired, 0);
    sb->running = sb->L;
    sb->deadline = deadline_ns;
    pthread_mutex_unlock(&sb->lock);
}

void clua_sandbox_end_run(clua_sandbox *sb) {
    pthread_mutex_lock(&sb->lock);
    sb->deadline = 0;
    sb->running = NULL;
    pthread_mutex_unlock(&sb->lock);
    lua_sethook(sb->L, NULL, 0, 0);
}

int clua_sandbox_timed_out(clua_sandbox *sb) { return atomic_load(&sb->expired); }

int clua_sandbox_enforce_deadline(clua_sandbox *sb, uint64_t now_ns) {
    pthread_mutex_lock(&sb->lock);
    int pending = sb->deadline != 0 && !atomic_load(&sb->expired);
    if (pending && now_ns >= sb->deadline) {
        atomic_store(&sb->expired, 1);
        arm_kill_hook(sb->L);
        if (sb->running != NULL && sb->running != sb->L) arm_kill_hook(sb->running);
        pending = 0;
    }
    pthread_mutex_unlock(&sb->lock);
    return pending;
}

/* Makes `co` the running thread for the watchdog; returns the previous one. */
static lua_State *enter_thread(lua_State *L, lua_State *co) {
    clua_sandbox *sb = clua_sandbox_of(L);
    pthread_mutex_lock(&sb->lock);
    lua_State *previous = sb->running;
    sb->running = co;
    if (atomic_load(&sb->expired)) arm_kill_hook(co);
    pthread_mutex_unlock(&sb->lock);
    return previous;
}

static void leave_thread(lua_State *L, lua_State *previous) {
    clua_sandbox *sb = clua_sandbox_of(L);
    pthread_mutex_lock(&sb->lock);
    sb->running = previous;
    if (atomic_load(&sb->expired)) arm_kill_hook(L);
    pthread_mutex_unlock(&sb->lock);
}

/* ---------------------------------------------------------------------------------------------- */
/* Small helpers                                                                                   */

void clua_rawsetfield(lua_State *L, int index, const char *key) {
    index = lua_absindex(L, index);
    lua_pushstring(L, key);
    lua_insert(L, -2);
    lua_rawset(L, index);
}

int clua_rawgetfield(lua_State *L, int index, const char *key) {
    index = lua_absindex(L, index);
    lua_pushstring(L, key);
    return lua_rawget(L, index);
}

int clua_pcall(lua_State *L, int nargs, int nresults) { return lua_pcall(L, nargs, nresults, 0); }
void clua_gc_collect(lua_State *L) { lua_gc(L, LUA_GCCOLLECT); }

int clua_load_text(lua_State *L, const char *source, size_t length, const char *chunkname) {
    return luaL_loadbufferx(L, source, length, chunkname, "t");
}

static int readonly_error(lua_State *L) { return luaL_error(L, "attempt to modify a read-only table"); }

static int proxy_pairs(lua_State *L) {
    lua_pushvalue(L, lua_upvalueindex(1)); /* next */
    lua_pushvalue(L, lua_upvalueindex(2)); /* the real table */
    lua_pushnil(L);
    return 3;
}

/* Replaces the table on top with a read-only proxy of it. `call` (may be NULL) becomes __call. */
static void freeze_top(lua_State *L, lua_CFunction call) {
    int real = lua_gettop(L);
    lua_newtable(L); /* proxy */
    lua_createtable(L, 0, 5);
    lua_pushvalue(L, real);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, readonly_error);
    lua_setfield(L, -2, "__newindex");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_getglobal(L, "next");
    lua_pushvalue(L, real);
    lua_pushcclosure(L, proxy_pairs, 2);
    lua_setfield(L, -2, "__pairs");
    if (call != NULL) {
        lua_pushcfunction(L, call);
        lua_setfield(L, -2, "__call");
    }
    lua_setmetatable(L, -2);
    lua_rawgetp(L, LUA_REGISTRYINDEX, &KEY_FROZEN);
    lua_pushvalue(L, -2);
    lua_pushboolean(L, 1);
    lua_rawset(L, -3);
    lua_pop(L, 1);
    lua_replace(L, real);
}

/* ---------------------------------------------------------------------------------------------- */
/* Host functions (Swift)                                                                          */

/* Swift runs with the cap lifted (a refused allocation would longjmp across its frames) and raises
 * nothing itself: errors come back as a return code and are raised here. */
static int call_host(lua_State *L, int op) {
    clua_sandbox *sb = clua_sandbox_of(L);
    sb->lifted++;
    int results = sb->host(L, op);
    sb->lifted--;
    if (results == CLUA_HOST_OUT_OF_MEMORY) {
        sb->exceeded = 1;
        lua_pushliteral(L, "not enough memory");
        return lua_error(L);
    }
    if (results < 0) return lua_error(L);
    return results;
}

static int host_function(lua_State *L) { return call_host(L, (int)lua_tointeger(L, lua_upvalueindex(1))); }

int clua_host_pcall(lua_State *L) {
    clua_sandbox *sb = clua_sandbox_of(L);
    int lifted = sb->lifted;
    sb->lifted = 0;
    int status = lua_pcall(L, 0, LUA_MULTRET, 0);
    sb->lifted = lifted;
    return status;
}

static void push_host_function(lua_State *L, int op) {
    lua_pushinteger(L, op);
    lua_pushcclosure(L, host_function, 1);
}

/* print(...): tostring'd arguments joined by tabs, as one log entry. */
static int sandbox_print(lua_State *L) {
    int count = lua_gettop(L);
    luaL_Buffer line;
    luaL_buffinit(L, &line);
    for (int i = 1; i <= count; i++) {
        if (i > 1) luaL_addchar(&line, '\t');
        luaL_tolstring(L, i, NULL);
        luaL_addvalue(&line);
    }
    luaL_pushresult(&line);
    lua_replace(L, 1);
    lua_settop(L, 1);
    return call_host(L, CLUA_OP_PRINT);
}

/* ---------------------------------------------------------------------------------------------- */
/* Base library replacements                                                                       */

/* load(chunk [, chunkname [, mode [, env]]]): text only; the default env is the run's _ENV. */
static int sandbox_load(lua_State *L) {
    int has_env = !lua_isnone(L, 4);
    lua_settop(L, 4);
    lua_pushvalue(L, lua_upvalueindex(1)); /* the original load */
    lua_pushvalue(L, 1);
    lua_pushvalue(L, 2);
    lua_pushliteral(L, "t");
    if (has_env) {
        lua_pushvalue(L, 4);
    } else {
        lua_rawgetp(L, LUA_REGISTRYINDEX, &KEY_RUN_ENV);
    }
    lua_call(L, 4, LUA_MULTRET);
    return lua_gettop(L) - 4;
}

static int sandbox_collectgarbage(lua_State *L) {
    const char *option = luaL_optstring(L, 1, "collect");
    if (strcmp(option, "count") != 0) {
        return luaL_error(L, "collectgarbage: only \"count\" is available in handlers");
    }
    int kilobytes = lua_gc(L, LUA_GCCOUNT);
    int bytes = lua_gc(L, LUA_GCCOUNTB);
    lua_pushnumber(L, (lua_Number)kilobytes + ((lua_Number)bytes / 1024));
    return 1;
}

static int is_frozen(lua_State *L, int index) {
    index = lua_absindex(L, index);
    lua_rawgetp(L, LUA_REGISTRYINDEX, &KEY_FROZEN);
    lua_pushvalue(L, index);
    int frozen = lua_rawget(L, -2) != LUA_TNIL;
    lua_pop(L, 2);
    return frozen;
}

static int sandbox_rawset(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checkany(L, 2);
    luaL_checkany(L, 3);
    if (is_frozen(L, 1)) return readonly_error(L);
    lua_settop(L, 3);
    lua_rawset(L, 1);
    return 1;
}

/* setmetatable without finalizers: a __gc would run script code at arbitrary allocation points. */
static int sandbox_setmetatable(lua_State *L) {
    if (lua_type(L, 2) == LUA_TTABLE) {
        lua_pushliteral(L, "__gc");
        int has_gc = lua_rawget(L, 2) != LUA_TNIL;
        lua_pop(L, 1);
        if (has_gc) return luaL_error(L, "__gc metamethods are not available in handlers");
    }
    lua_settop(L, 2);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, 2, 1);
    return 1;
}

/*
 * xpcall whose message handler is skipped once the run has expired. The kill hook raises from inside a
 * hook, where Lua disables hooks, and Lua calls the message handler right there: a looping handler
 * would then never be stopped. (Adapted from Lua 5.4.4's lbaselib.c, MIT license.)
 */
static int guarded_handler(lua_State *L) {
    if (atomic_load_explicit(&clua_sandbox_of(L)->expired, memory_order_relaxed)) return 1;
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

static int finish_pcall(lua_State *L, int status, lua_KContext extra) {
    if (l_unlikely(status != LUA_OK && status != LUA_YIELD)) {
        lua_pushboolean(L, 0);
        lua_pushvalue(L, -2);
        return 2;
    }
    return lua_gettop(L) - (int)extra;
}

static int sandbox_xpcall(lua_State *L) {
    int n = lua_gettop(L);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_pushvalue(L, 2);
    lua_pushcclosure(L, guarded_handler, 1);
    lua_replace(L, 2);
    lua_pushboolean(L, 1);
    lua_pushvalue(L, 1);
    lua_rotate(L, 3, 2);
    int status = lua_pcallk(L, n - 2, LUA_MULTRET, 2, 2, finish_pcall);
    return finish_pcall(L, status, 2);
}

/* ---------------------------------------------------------------------------------------------- */
/* Coroutines that the watchdog can follow (adapted from Lua 5.4.4's lcorolib.c, MIT license)      */

static int tracked_resume_aux(lua_State *L, lua_State *co, int narg) {
    int status, nres;
    if (l_unlikely(!lua_checkstack(co, narg))) {
        lua_pushliteral(L, "too many arguments to resume");
        return -1;
    }
    lua_xmove(L, co, narg);
    lua_State *previous = enter_thread(L, co);
    status = lua_resume(co, L, narg, &nres);
    leave_thread(L, previous);
    if (status == LUA_OK || status == LUA_YIELD) {
        if (l_unlikely(!lua_checkstack(L, nres + 1))) {
            lua_pop(co, nres);
            lua_pushliteral(L, "too many results to resume");
            return -1;
        }
        lua_xmove(co, L, nres);
        return nres;
    }
    lua_xmove(co, L, 1);
    return -1;
}

static lua_State *check_thread(lua_State *L) {
    lua_State *co = lua_tothread(L, 1);
    luaL_argexpected(L, co, 1, "thread");
    return co;
}

static int tracked_resume(lua_State *L) {
    lua_State *co = check_thread(L);
    int results = tracked_resume_aux(L, co, lua_gettop(L) - 1);
    if (results < 0) {
        lua_pushboolean(L, 0);
        lua_insert(L, -2);
        return 2;
    }
    lua_pushboolean(L, 1);
    lua_insert(L, -(results + 1));
    return results + 1;
}

/* Closes `co` (running its to-be-closed variables, which is script code) as the tracked thread. */
static int tracked_reset(lua_State *L, lua_State *co) {
    lua_State *previous = enter_thread(L, co);
    int status = lua_resetthread(co);
    leave_thread(L, previous);
    return status;
}

static int tracked_wrapped(lua_State *L) {
    lua_State *co = lua_tothread(L, lua_upvalueindex(1));
    int results = tracked_resume_aux(L, co, lua_gettop(L));
    if (l_unlikely(results < 0)) {
        int status = lua_status(co);
        /* A coroutine stopped by the kill hook still has hooks disabled: closing it would run its
         * __close handlers unstoppably. The state is discarded after an expired run anyway. */
        if (atomic_load(&clua_sandbox_of(L)->expired)) return lua_error(L);
        if (status != LUA_OK && status != LUA_YIELD) {
            tracked_reset(L, co);
            lua_xmove(co, L, 1);
        }
        if (lua_type(L, -1) == LUA_TSTRING) {
            luaL_where(L, 1);
            lua_insert(L, -2);
            lua_concat(L, 2);
        }
        return lua_error(L);
    }
    return results;
}

static int tracked_wrap(lua_State *L) {
    luaL_checktype(L, 1, LUA_TFUNCTION);
    lua_State *co = lua_newthread(L);
    lua_pushvalue(L, 1);
    lua_xmove(L, co, 1);
    lua_pushcclosure(L, tracked_wrapped, 1);
    return 1;
}

static int tracked_close(lua_State *L) {
    lua_State *co = check_thread(L);
    int closable = 0;
    if (co != L) {
        switch (lua_status(co)) {
        case LUA_YIELD:
            closable = 1;
            break;
        case LUA_OK: {
            lua_Debug ar;
            closable = !lua_getstack(co, 0, &ar); /* not running or normal */
            break;
        }
        default:
            closable = 1; /* dead with an error */
        }
    }
    if (!closable) return luaL_error(L, "cannot close a running coroutine");
    clua_check_deadline(L); /* see tracked_wrapped */
    if (tracked_reset(L, co) == LUA_OK) {
        lua_pushboolean(L, 1);
        return 1;
    }
    lua_pushboolean(L, 0);
    lua_xmove(co, L, 1);
    return 2;
}

/* ---------------------------------------------------------------------------------------------- */
/* Table shifts that stop at the deadline (adapted from Lua 5.4.4's ltablib.c, MIT license).      */
/* A fake __len makes the originals loop in C, unseen by hooks, for up to 2^63 steps.             */

#define CHECK_EVERY(i) do { if (l_unlikely(((i) & 0x3FF) == 0)) clua_check_deadline(L); } while (0)

static lua_Integer table_length(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    return luaL_len(L, 1);
}

static int bounded_insert(lua_State *L) {
    lua_Integer e = luaL_intop(+, table_length(L), 1);
    lua_Integer pos;
    switch (lua_gettop(L)) {
    case 2:
        pos = e;
        break;
    case 3:
        pos = luaL_checkinteger(L, 2);
        luaL_argcheck(L, (lua_Unsigned)pos - 1u < (lua_Unsigned)e, 2, "position out of bounds");
        for (lua_Integer i = e; i > pos; i--) {
            CHECK_EVERY(i);
            lua_geti(L, 1, i - 1);
            lua_seti(L, 1, i);
        }
        break;
    default:
        return luaL_error(L, "wrong number of arguments to 'insert'");
    }
    lua_seti(L, 1, pos);
    return 0;
}

static int bounded_remove(lua_State *L) {
    lua_Integer size = table_length(L);
    lua_Integer pos = luaL_optinteger(L, 2, size);
    if (pos != size) {
        luaL_argcheck(L, (lua_Unsigned)pos - 1u <= (lua_Unsigned)size, 2, "position out of bounds");
    }
    lua_geti(L, 1, pos);
    for (; pos < size; pos++) {
        CHECK_EVERY(pos);
        lua_geti(L, 1, pos + 1);
        lua_seti(L, 1, pos);
    }
    lua_pushnil(L);
    lua_seti(L, 1, pos);
    return 1;
}

static int bounded_move(lua_State *L) {
    lua_Integer f = luaL_checkinteger(L, 2);
    lua_Integer e = luaL_checkinteger(L, 3);
    lua_Integer t = luaL_checkinteger(L, 4);
    int tt = !lua_isnoneornil(L, 5) ? 5 : 1;
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checktype(L, tt, LUA_TTABLE);
    if (e >= f) {
        luaL_argcheck(L, f > 0 || e < LUA_MAXINTEGER + f, 3, "too many elements to move");
        lua_Integer n = e - f + 1;
        luaL_argcheck(L, t <= LUA_MAXINTEGER - n + 1, 4, "destination wrap around");
        if (t > e || t <= f || (tt != 1 && !lua_compare(L, 1, tt, LUA_OPEQ))) {
            for (lua_Integer i = 0; i < n; i++) {
                CHECK_EVERY(i);
                lua_geti(L, 1, f + i);
                lua_seti(L, tt, t + i);
            }
        } else {
            for (lua_Integer i = n - 1; i >= 0; i--) {
                CHECK_EVERY(i);
                lua_geti(L, 1, f + i);
                lua_seti(L, tt, t + i);
            }
        }
    }
    lua_pushvalue(L, tt);
    return 1;
}

/* string.rep('', math.maxinteger) passes Lua's size check and then copies nothing 2^63 times. Anything
 * else rep does is bounded by the result, which the allocator cap bounds. */
static int bounded_rep(lua_State *L) {
    size_t length, separator_length;
    luaL_checklstring(L, 1, &length);
    luaL_checkinteger(L, 2);
    luaL_optlstring(L, 3, "", &separator_length);
    if (length + separator_length == 0) {
        lua_pushliteral(L, "");
        return 1;
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

/* ---------------------------------------------------------------------------------------------- */
/* Special values: JSON.null, binary, array marks, failures                                        */

void clua_push_null(lua_State *L) { lua_rawgetp(L, LUA_REGISTRYINDEX, &KEY_NULL); }

int clua_is_null(lua_State *L, int index) {
    return lua_type(L, index) == LUA_TUSERDATA && lua_touserdata(L, index) == clua_sandbox_of(L)->null_value;
}

static int has_metatable(lua_State *L, int index, const void *meta) {
    if (!lua_getmetatable(L, index)) return 0;
    int same = lua_topointer(L, -1) == meta;
    lua_pop(L, 1);
    return same;
}

void clua_push_binary(lua_State *L, const void *bytes, size_t length) {
    void *block = lua_newuserdatauv(L, length, 0);
    if (length > 0) memcpy(block, bytes, length);
    lua_rawgetp(L, LUA_REGISTRYINDEX, &KEY_BINARY_META);
    lua_setmetatable(L, -2);
}

const void *clua_to_binary(lua_State *L, int index, size_t *length) {
    if (lua_type(L, index) != LUA_TUSERDATA || !has_metatable(L, index, clua_sandbox_of(L)->binary_meta)) {
        return NULL;
    }
    *length = lua_rawlen(L, index);
    return lua_touserdata(L, index);
}

void clua_mark_array(lua_State *L, int index) {
    index = lua_absindex(L, index);
    lua_rawgetp(L, LUA_REGISTRYINDEX, &KEY_ARRAY_META);
    lua_setmetatable(L, index);
}

int clua_is_marked_array(lua_State *L, int index) {
    return has_metatable(L, index, clua_sandbox_of(L)->array_meta);
}

int clua_is_failure(lua_State *L, int index) {
    return lua_type(L, index) == LUA_TTABLE && has_metatable(L, index, clua_sandbox_of(L)->failure_meta);
}

static void set_failure_meta(lua_State *L) {
    lua_rawgetp(L, LUA_REGISTRYINDEX, &KEY_FAILURE_META);
    lua_setmetatable(L, -2);
}

void clua_push_failure(lua_State *L, int status, const char *code, const char *message) {
    lua_createtable(L, 0, 3);
    lua_pushinteger(L, status);
    clua_rawsetfield(L, -2, "status");
    lua_pushstring(L, code);
    clua_rawsetfield(L, -2, "code");
    lua_pushstring(L, message);
    clua_rawsetfield(L, -2, "message");
    set_failure_meta(L);
}

/* JSON.binary(string) -> binary value; a binary value is returned as is. */
static int json_binary(lua_State *L) {
    size_t length;
    if (clua_to_binary(L, 1, &length) != NULL) {
        lua_settop(L, 1);
        return 1;
    }
    const char *bytes = luaL_checklstring(L, 1, &length);
    clua_push_binary(L, bytes, length);
    return 1;
}

/* JSON.array(table) -> the same table, marked to encode as an array even when empty. */
static int json_array(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    if (clua_is_marked_array(L, 1)) return 1;
    if (lua_getmetatable(L, 1)) return luaL_error(L, "JSON.array: the table already has a metatable");
    clua_mark_array(L, 1);
    return 1;
}

static int binary_len(lua_State *L) {
    lua_pushinteger(L, (lua_Integer)lua_rawlen(L, 1));
    return 1;
}

static int binary_tostring(lua_State *L) {
    size_t length = 0;
    const void *bytes = clua_to_binary(L, 1, &length);
    if (bytes == NULL) return luaL_typeerror(L, 1, "binary");
    lua_pushlstring(L, bytes, length);
    return 1;
}

static int binary_eq(lua_State *L) {
    size_t left_length = 0, right_length = 0;
    const void *left = clua_to_binary(L, 1, &left_length);
    const void *right = clua_to_binary(L, 2, &right_length);
    lua_pushboolean(L, left != NULL && right != NULL && left_length == right_length &&
                           (left_length == 0 || memcmp(left, right, left_length) == 0));
    return 1;
}

/* binary .. string (either side): the bytes as a Lua string. */
static int binary_concat(lua_State *L) {
    for (int i = 1; i <= 2; i++) {
        size_t length = 0;
        const void *bytes = clua_to_binary(L, i, &length);
        if (bytes != NULL) {
            lua_pushlstring(L, bytes, length);
        } else if (lua_type(L, i) == LUA_TSTRING || lua_type(L, i) == LUA_TNUMBER) {
            lua_pushvalue(L, i);
        } else {
            return luaL_error(L, "attempt to concatenate a %s value with binary", luaL_typename(L, i));
        }
    }
    lua_concat(L, 2);
    return 1;
}

static int null_tostring(lua_State *L) {
    lua_pushliteral(L, "null");
    return 1;
}

static int failure_tostring(lua_State *L) {
    clua_rawgetfield(L, 1, "status");
    clua_rawgetfield(L, 1, "message");
    const char *message = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "(no message)";
    lua_pushfstring(L, "THROW %d: %s", (int)lua_tointeger(L, -2), message);
    return 1;
}

/* ---------------------------------------------------------------------------------------------- */
/* THROW                                                                                           */

static int raise_failure(lua_State *L, lua_Integer status, int message_index) {
    int details_given = !lua_isnone(L, message_index + 1);
    lua_settop(L, message_index + 1); /* the failure table must not land on an absent argument's index */
    lua_createtable(L, 0, 3);
    lua_pushinteger(L, status);
    clua_rawsetfield(L, -2, "status");
    if (!lua_isnoneornil(L, message_index)) {
        luaL_tolstring(L, message_index, NULL);
        clua_rawsetfield(L, -2, "message");
    }
    if (details_given) {
        lua_pushvalue(L, message_index + 1);
        clua_rawsetfield(L, -2, "details");
    }
    set_failure_meta(L);
    return lua_error(L);
}

static int throw_named(lua_State *L) { return raise_failure(L, lua_tointeger(L, lua_upvalueindex(1)), 1); }

/* THROW(status, message [, details]) through the proxy's __call (argument 1 is THROW itself). */
static int throw_status(lua_State *L) {
    int is_integer = 0;
    lua_Integer status = lua_tointegerx(L, 2, &is_integer);
    if (!is_integer || status < 400 || status > 599) {
        return luaL_error(L, "THROW: the status must be an HTTP error status (400-599)");
    }
    return raise_failure(L, status, 3);
}

/* ---------------------------------------------------------------------------------------------- */
/* Per-run environment                                                                             */

void clua_push_run_env(lua_State *L) {
    lua_createtable(L, 0, 16);
    lua_rawgetp(L, LUA_REGISTRYINDEX, &KEY_ENV_META);
    lua_setmetatable(L, -2);
    lua_pushvalue(L, -1);
    clua_rawsetfield(L, -2, "_G");
}

void clua_push_socket_table(lua_State *L) {
    lua_createtable(L, 0, 2);
    lua_rawgetp(L, LUA_REGISTRYINDEX, &KEY_SOCKET_META);
    lua_setmetatable(L, -2);
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &KEY_RUN_SOCKET);
}

void clua_push_run_socket(lua_State *L) {
    lua_rawgetp(L, LUA_REGISTRYINDEX, &KEY_RUN_SOCKET);
}

void clua_keep_run_data(lua_State *L, int empty) {
    if (empty) {
        lua_pushvalue(L, -1);
    } else {
        lua_pushnil(L);
    }
    lua_rawsetp(L, LUA_REGISTRYINDEX, &KEY_RUN_DATA);
}

int clua_socket_data_untouched(lua_State *L) {
    int top = lua_gettop(L);
    int untouched = 0;
    lua_rawgetp(L, LUA_REGISTRYINDEX, &KEY_RUN_DATA);
    lua_rawgetp(L, LUA_REGISTRYINDEX, &KEY_RUN_SOCKET);
    if (lua_type(L, -2) == LUA_TTABLE && lua_type(L, -1) == LUA_TTABLE) {
        lua_pushliteral(L, "data");
        lua_rawget(L, -2);
        if (lua_rawequal(L, -1, -3)) {
            lua_pushnil(L);
            untouched = lua_next(L, -2) == 0;
        }
    }
    lua_settop(L, top);
    return untouched;
}

void clua_bind_env(lua_State *L) {
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &KEY_RUN_ENV);
    lua_setupvalue(L, -2, 1);
}

void clua_unbind_env(lua_State *L) {
    lua_pushnil(L);
    lua_setupvalue(L, -2, 1);
    lua_pushnil(L);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &KEY_RUN_ENV);
    lua_pushnil(L);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &KEY_RUN_SOCKET);
    lua_pushnil(L);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &KEY_RUN_DATA);
}

/* ---------------------------------------------------------------------------------------------- */
/* Building the sandbox                                                                            */

/* Opens a standard library without making it global; leaves its table on top. */
static void open_library(lua_State *L, const char *name, lua_CFunction open) {
    luaL_requiref(L, name, open, 0);
}

static void set_function(lua_State *L, const char *name, lua_CFunction function) {
    lua_pushcfunction(L, function);
    lua_setfield(L, -2, name);
}

static void remove_field(lua_State *L, const char *name) {
    lua_pushnil(L);
    lua_setfield(L, -2, name);
}

/* Replaces t[name] (t on top) with a closure of `function` over the original. */
static void wrap_global(lua_State *L, const char *name, lua_CFunction function) {
    lua_getfield(L, -1, name);
    lua_pushcclosure(L, function, 1);
    lua_setfield(L, -2, name);
}

static void new_locked_metatable(lua_State *L, const char *name) {
    lua_createtable(L, 0, 6);
    lua_pushstring(L, name);
    lua_setfield(L, -2, "__name");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
}

static const struct {
    const char *name;
    int status;
} THROW_FUNCTIONS[] = {
    {"badRequest", 400}, {"unauthorized", 401}, {"forbidden", 403},        {"notFound", 404},
    {"conflict", 409},   {"validation", 422},   {"tooManyRequests", 429}, {"internal", 500},
    {"unavailable", 503},
};

static const struct {
    const char *name;
    int op;
} SOCKET_FUNCTIONS[] = {
    {"reply", CLUA_OP_REPLY},
    {"join", CLUA_OP_JOIN},
    {"leave", CLUA_OP_LEAVE},
    {"emitToUser", CLUA_OP_EMIT_TO_USER},
    {"emitToRoom", CLUA_OP_EMIT_TO_ROOM},
    {"broadcastToRoom", CLUA_OP_BROADCAST_TO_ROOM},
    {"emitToGateway", CLUA_OP_EMIT_TO_GATEWAY},
    {"broadcast", CLUA_OP_BROADCAST},
    {"disconnect", CLUA_OP_DISCONNECT},
    {"roomSize", CLUA_OP_ROOM_SIZE},
    {"rooms", CLUA_OP_ROOMS},
    {"signIn", CLUA_OP_SIGN_IN},
    {"signOut", CLUA_OP_SIGN_OUT},
};

static const struct {
    const char *name;
    int op;
} COLLECTION_FUNCTIONS[] = {
    {"find", CLUA_OP_DB_FIND},     {"findOne", CLUA_OP_DB_FIND_ONE}, {"count", CLUA_OP_DB_COUNT},
    {"create", CLUA_OP_DB_CREATE}, {"update", CLUA_OP_DB_UPDATE},     {"replace", CLUA_OP_DB_REPLACE},
    {"delete", CLUA_OP_DB_DELETE},
};

/* A collection method: upvalues are the op and the collection's name, which goes in as argument 1. A
 * method called with `:` gets its collection table first; that argument is dropped. */
static int collection_method(lua_State *L) {
    if (lua_getmetatable(L, 1)) {
        lua_rawgetp(L, LUA_REGISTRYINDEX, &KEY_COLLECTION_META);
        int is_self = lua_rawequal(L, -1, -2);
        lua_pop(L, 2);
        if (is_self) lua_remove(L, 1);
    }
    lua_pushvalue(L, lua_upvalueindex(2));
    lua_insert(L, 1);
    return call_host(L, (int)lua_tointeger(L, lua_upvalueindex(1)));
}

/* DB.collection(name) and DB.<name>: a fresh table of the collection's methods, bound to its name. */
static int db_collection(lua_State *L) {
    luaL_checktype(L, 1, LUA_TSTRING);
    lua_settop(L, 1);
    lua_createtable(L, 0, (int)(sizeof COLLECTION_FUNCTIONS / sizeof COLLECTION_FUNCTIONS[0]) + 1);
    for (size_t i = 0; i < sizeof COLLECTION_FUNCTIONS / sizeof COLLECTION_FUNCTIONS[0]; i++) {
        lua_pushinteger(L, COLLECTION_FUNCTIONS[i].op);
        lua_pushvalue(L, 1);
        lua_pushcclosure(L, collection_method, 2);
        lua_setfield(L, -2, COLLECTION_FUNCTIONS[i].name);
    }
    lua_pushvalue(L, 1);
    lua_setfield(L, -2, "name");
    lua_rawgetp(L, LUA_REGISTRYINDEX, &KEY_COLLECTION_META);
    lua_setmetatable(L, -2);
    return 1;
}

/* __index of DB's table: any other string key names a collection. */
static int db_index(lua_State *L) {
    if (lua_type(L, 2) != LUA_TSTRING) return 0;
    lua_remove(L, 1);
    return db_collection(L);
}

/* DB.transaction(fn) */
static int db_transaction(lua_State *L) {
    luaL_checktype(L, 1, LUA_TFUNCTION);
    lua_settop(L, 1);
    return call_host(L, CLUA_OP_DB_TRANSACTION);
}

static int build_sandbox(lua_State *L) {
    clua_sandbox *sb = lua_touserdata(L, 1);
    lua_settop(L, 0);

    /* Registry entries the rest relies on. */
    lua_newtable(L);
    lua_createtable(L, 0, 1);
    lua_pushliteral(L, "k");
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &KEY_FROZEN);

    new_locked_metatable(L, "json.array");
    sb->array_meta = lua_topointer(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &KEY_ARRAY_META);

    new_locked_metatable(L, "binary");
    set_function(L, "__len", binary_len);
    set_function(L, "__tostring", binary_tostring);
    set_function(L, "__eq", binary_eq);
    set_function(L, "__concat", binary_concat);
    sb->binary_meta = lua_topointer(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &KEY_BINARY_META);

    new_locked_metatable(L, "THROW");
    set_function(L, "__tostring", failure_tostring);
    sb->failure_meta = lua_topointer(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &KEY_FAILURE_META);

    lua_newuserdatauv(L, 0, 0);
    new_locked_metatable(L, "null");
    set_function(L, "__tostring", null_tostring);
    lua_setmetatable(L, -2);
    sb->null_value = lua_touserdata(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &KEY_NULL);

    /* Base library, pruned. It stays the registry's global table: only C reaches it. */
    open_library(L, LUA_GNAME, luaopen_base);
    remove_field(L, "dofile");
    remove_field(L, "loadfile");
    remove_field(L, "warn");
    remove_field(L, "_G");
    wrap_global(L, "load", sandbox_load);
    wrap_global(L, "setmetatable", sandbox_setmetatable);
    set_function(L, "collectgarbage", sandbox_collectgarbage);
    set_function(L, "xpcall", sandbox_xpcall);
    set_function(L, "rawset", sandbox_rawset);
    set_function(L, "print", sandbox_print);
    push_host_function(L, CLUA_OP_LOGS);
    lua_setfield(L, -2, "LOGS");
    int base = lua_gettop(L);

    open_library(L, LUA_STRLIBNAME, luaopen_string);
    remove_field(L, "dump");
    wrap_global(L, "rep", bounded_rep);
    clua_open_bounded_patterns(L);
    lua_pushliteral(L, "");
    lua_getmetatable(L, -1);
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 2);
    freeze_top(L, NULL);
    lua_setfield(L, base, "string");

    open_library(L, LUA_TABLIBNAME, luaopen_table);
    set_function(L, "insert", bounded_insert);
    set_function(L, "remove", bounded_remove);
    set_function(L, "move", bounded_move);
    set_function(L, "sort", clua_bounded_sort);
    freeze_top(L, NULL);
    lua_setfield(L, base, "table");

    open_library(L, LUA_MATHLIBNAME, luaopen_math);
    remove_field(L, "randomseed"); /* the generator is shared by every run on this state */
    freeze_top(L, NULL);
    lua_setfield(L, base, "math");

    open_library(L, LUA_UTF8LIBNAME, luaopen_utf8);
    freeze_top(L, NULL);
    lua_setfield(L, base, "utf8");

    open_library(L, LUA_COLIBNAME, luaopen_coroutine);
    set_function(L, "resume", tracked_resume);
    set_function(L, "wrap", tracked_wrap);
    set_function(L, "close", tracked_close);
    freeze_top(L, NULL);
    lua_setfield(L, base, "coroutine");

    open_library(L, LUA_OSLIBNAME, luaopen_os);
    lua_createtable(L, 0, 3);
    static const char *const os_kept[] = {"time", "clock", "date"};
    for (int i = 0; i < 3; i++) {
        lua_getfield(L, -2, os_kept[i]);
        lua_setfield(L, -2, os_kept[i]);
    }
    lua_remove(L, -2);
    freeze_top(L, NULL);
    lua_setfield(L, base, "os");

    lua_createtable(L, 0, 5);
    push_host_function(L, CLUA_OP_JSON_ENCODE);
    lua_setfield(L, -2, "encode");
    push_host_function(L, CLUA_OP_JSON_DECODE);
    lua_setfield(L, -2, "decode");
    clua_push_null(L);
    lua_setfield(L, -2, "null");
    set_function(L, "binary", json_binary);
    set_function(L, "array", json_array);
    freeze_top(L, NULL);
    lua_setfield(L, base, "JSON");

    lua_createtable(L, 0, (int)(sizeof THROW_FUNCTIONS / sizeof THROW_FUNCTIONS[0]));
    for (size_t i = 0; i < sizeof THROW_FUNCTIONS / sizeof THROW_FUNCTIONS[0]; i++) {
        lua_pushinteger(L, THROW_FUNCTIONS[i].status);
        lua_pushcclosure(L, throw_named, 1);
        lua_setfield(L, -2, THROW_FUNCTIONS[i].name);
    }
    freeze_top(L, throw_status);
    lua_setfield(L, base, "THROW");

    lua_createtable(L, 0, 4);
    push_host_function(L, CLUA_OP_AUTH_VERIFY);
    lua_setfield(L, -2, "verify");
    push_host_function(L, CLUA_OP_AUTH_SIGN);
    lua_setfield(L, -2, "sign");
    push_host_function(L, CLUA_OP_AUTH_HASH_PASSWORD);
    lua_setfield(L, -2, "hashPassword");
    push_host_function(L, CLUA_OP_AUTH_VERIFY_PASSWORD);
    lua_setfield(L, -2, "verifyPassword");
    freeze_top(L, NULL);
    lua_setfield(L, base, "AUTH");

    new_locked_metatable(L, "collection");
    lua_rawsetp(L, LUA_REGISTRYINDEX, &KEY_COLLECTION_META);
    lua_createtable(L, 0, 2);
    set_function(L, "collection", db_collection);
    set_function(L, "transaction", db_transaction);
    lua_createtable(L, 0, 1);
    set_function(L, "__index", db_index);
    lua_setmetatable(L, -2);
    freeze_top(L, NULL);
    lua_setfield(L, base, "DB");

    /* SOCKET: a per-run table (holding `id`) over shared, unreachable functions. */
    new_locked_metatable(L, "SOCKET");
    lua_createtable(L, 0, (int)(sizeof SOCKET_FUNCTIONS / sizeof SOCKET_FUNCTIONS[0]));
    for (size_t i = 0; i < sizeof SOCKET_FUNCTIONS / sizeof SOCKET_FUNCTIONS[0]; i++) {
        push_host_function(L, SOCKET_FUNCTIONS[i].op);
        lua_setfield(L, -2, SOCKET_FUNCTIONS[i].name);
    }
    /* SOCKET.volatile: emits dropped rather than queued when the client cannot take them now. */
    lua_createtable(L, 0, 2);
    push_host_function(L, CLUA_OP_VOLATILE_REPLY);
    lua_setfield(L, -2, "reply");
    push_host_function(L, CLUA_OP_VOLATILE_EMIT_TO_ROOM);
    lua_setfield(L, -2, "emitToRoom");
    freeze_top(L, NULL);
    lua_setfield(L, -2, "volatile");
    lua_setfield(L, -2, "__index");
    lua_rawsetp(L, LUA_REGISTRYINDEX, &KEY_SOCKET_META);

    new_locked_metatable(L, "env");
    lua_pushvalue(L, base);
    lua_setfield(L, -2, "__index");
    lua_rawsetp(L, LUA_REGISTRYINDEX, &KEY_ENV_META);

    /* The loaded-modules table still holds the full os library; nothing may reach it. */
    lua_pushnil(L);
    lua_setfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    lua_settop(L, 0);
    lua_gc(L, LUA_GCGEN, 100, 0);
    return 0;
}

static int open_state(clua_sandbox *sb) {
    lua_State *L = lua_newstate(sandbox_alloc, sb);
    if (L == NULL) return -1;
    sb->lifted++;
    lua_pushcfunction(L, build_sandbox);
    lua_pushlightuserdata(L, sb);
    int status = lua_pcall(L, 1, 0, 0);
    sb->lifted--;
    if (status != LUA_OK) {
        lua_close(L);
        return -1;
    }
    pthread_mutex_lock(&sb->lock);
    sb->L = L;
    pthread_mutex_unlock(&sb->lock);
    return 0;
}

clua_sandbox *clua_sandbox_create(clua_host_fn host, void *host_context, size_t memory_limit) {
    clua_sandbox *sb = calloc(1, sizeof *sb);
    if (sb == NULL) return NULL;
    sb->host = host;
    sb->host_context = host_context;
    sb->limit = memory_limit;
    atomic_init(&sb->expired, 0);
    pthread_mutex_init(&sb->lock, NULL);
    if (open_state(sb) != 0) {
        pthread_mutex_destroy(&sb->lock);
        free(sb);
        return NULL;
    }
    return sb;
}

static void close_state(clua_sandbox *sb) {
    pthread_mutex_lock(&sb->lock);
    lua_State *L = sb->L;
    sb->L = NULL;
    sb->running = NULL;
    sb->deadline = 0;
    pthread_mutex_unlock(&sb->lock);
    if (L != NULL) lua_close(L);
}

int clua_sandbox_reset(clua_sandbox *sb) {
    close_state(sb);
    sb->used = 0;
    sb->exceeded = 0;
    sb->refusal_pending = 0;
    return open_state(sb);
}

void clua_sandbox_destroy(clua_sandbox *sb) {
    if (sb == NULL) return;
    close_state(sb);
    pthread_mutex_destroy(&sb->lock);
    free(sb);
}

/* ---------------------------------------------------------------------------------------------- */
/* Syntax check                                                                                    */

struct syntax_budget {
    size_t used;
    size_t limit;
};

static void *syntax_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    struct syntax_budget *budget = ud;
    if (ptr == NULL) osize = 0;
    if (nsize == 0) {
        free(ptr);
        budget->used -= osize;
        return NULL;
    }
    if (nsize > osize && budget->used - osize + nsize > budget->limit) return NULL;
    void *block = realloc(ptr, nsize);
    if (block != NULL) budget->used = budget->used - osize + nsize;
    return block;
}

int clua_check_syntax(const char *source, size_t length, const char *chunkname, char *message, size_t capacity) {
    struct syntax_budget budget = {0, 64u << 20};
    lua_State *L = lua_newstate(syntax_alloc, &budget);
    if (L == NULL) {
        snprintf(message, capacity, "not enough memory to compile the script");
        return 1;
    }
    int status = luaL_loadbufferx(L, source, length, chunkname, "t");
    if (status != LUA_OK) {
        const char *text = lua_tostring(L, -1);
        snprintf(message, capacity, "%s", text != NULL ? text : "the script does not compile");
    }
    lua_close(L);
    return status != LUA_OK;
}
