-- The cmsgpack library Redis loads (lua-cmsgpack 0.4's API and behaviour).
--
-- pack walks its arguments here, in Lua, and concatenates their encodings:
--   * a number that is an int64 value is an integer in the smallest
--     MessagePack form; any other number is a float32 when that loses
--     nothing, else a float64 (the IEEE bytes come from Python);
--   * a string is fixstr / str8 / str16 / str32 by length;
--   * a table whose keys are exactly 1..n (the empty table included) is an
--     array of #t elements, any other table a map in iteration order;
--     tables nested 16 deep are packed as nil;
--   * booleans are true/false, anything else is nil.
-- unpack, unpack_one and unpack_limit are done by Python
-- (pyengine/lua_libs.py: msgpack_unpack) and build Lua tables.
local py, h = ...
local raw_type, raw_next, raw_rawget, raw_tonumber = type, next, rawget, tonumber
local raw_select, raw_error = select, error
local s_char, s_len, t_concat = string.char, string.len, table.concat
local unpack, tostring = unpack, tostring
local floor, huge = math.floor, math.huge
local FAIL = py.FAIL
local py_float, py_unpack = py.mp_float, py.msgpack_unpack
local argerror = h.argerror

local MAX_NESTING = 16

-- ``nbytes`` big-endian bytes of the non-negative integer ``n``
-- (exact: n is an integer below 2^64 held in a double).
local function be(n, nbytes)
    local b = {}
    for i = nbytes, 1, -1 do
        b[i] = n % 256
        n = floor(n / 256)
    end
    return s_char(unpack(b))
end

-- the same for a negative integer, in two's complement: the bytes of -n
-- (exact, even for -2^63), inverted, plus one
local function be_neg(n, nbytes)
    local m = -n
    local b = {}
    for i = nbytes, 1, -1 do
        b[i] = 255 - m % 256
        m = floor(m / 256)
    end
    local i = nbytes
    while i >= 1 do
        if b[i] == 255 then
            b[i] = 0
            i = i - 1
        else
            b[i] = b[i] + 1
            break
        end
    end
    return s_char(unpack(b))
end

local TWO63 = 9223372036854775808

local function int64_equivalent(n)
    return n == n and n ~= huge and n ~= -huge and n >= -TWO63 and n < TWO63 and floor(n) == n
end

local function pack_int(n)
    if n >= 0 then
        if n <= 127 then return s_char(n) end
        if n <= 0xff then return "\204" .. s_char(n) end
        if n <= 0xffff then return "\205" .. be(n, 2) end
        if n <= 0xffffffff then return "\206" .. be(n, 4) end
        return "\207" .. be(n, 8)
    end
    if n >= -32 then return s_char(n + 256) end
    if n >= -128 then return "\208" .. s_char(n + 256) end
    if n >= -32768 then return "\209" .. be_neg(n, 2) end
    if n >= -2147483648 then return "\210" .. be_neg(n, 4) end
    return "\211" .. be_neg(n, 8)
end

local function pack_string(s)
    local n = s_len(s)
    if n < 32 then return s_char(0xa0 + n) .. s end
    if n <= 0xff then return "\217" .. s_char(n) .. s end
    if n <= 0xffff then return "\218" .. be(n, 2) .. s end
    return "\219" .. be(n, 4) .. s
end

local function is_array(t)
    local count, max = 0, 0
    for k in raw_next, t do
        local n = raw_tonumber(k)
        if n == nil or n <= 0 or floor(n) ~= n then return false end
        if n > max then max = n end
        count = count + 1
    end
    return max == count
end

local pack_value

local function pack_table(t, level, out)
    if is_array(t) then
        local n = #t
        if n < 16 then out[#out + 1] = s_char(0x90 + n)
        elseif n <= 0xffff then out[#out + 1] = "\220" .. be(n, 2)
        else out[#out + 1] = "\221" .. be(n, 4) end
        for i = 1, n do pack_value(raw_rawget(t, i), level + 1, out) end
    else
        local n = 0
        for _ in raw_next, t do n = n + 1 end
        if n < 16 then out[#out + 1] = s_char(0x80 + n)
        elseif n <= 0xffff then out[#out + 1] = "\222" .. be(n, 2)
        else out[#out + 1] = "\223" .. be(n, 4) end
        for k, v in raw_next, t do
            pack_value(k, level + 1, out)
            pack_value(v, level + 1, out)
        end
    end
end

pack_value = function(v, level, out)
    local t = raw_type(v)
    if t == "table" and level == MAX_NESTING then t = "nil" end
    if t == "string" then
        out[#out + 1] = pack_string(v)
    elseif t == "boolean" then
        out[#out + 1] = v and "\195" or "\194"
    elseif t == "number" then
        if int64_equivalent(v) then
            out[#out + 1] = pack_int(v)
        else
            out[#out + 1] = py_float(v)
        end
    elseif t == "table" then
        pack_table(v, level, out)
    else
        out[#out + 1] = "\192"
    end
end

local function check(first, ...)
    if first == FAIL then raw_error((...), 3) end
    return first, ...
end

local function data_arg(v, fname, present)
    local t = raw_type(v)
    if t == "number" then return tostring(v) end
    if t ~= "string" then h.typeerror(1, fname, "string", v, present) end
    return v
end

return {
    pack = function(...)
        local n = raw_select("#", ...)
        if n == 0 then argerror(0, "pack", "MessagePack pack needs input.") end
        local out = {}
        for i = 1, n do pack_value((raw_select(i, ...)), 0, out) end
        return t_concat(out)
    end,
    unpack = function(...)
        local s = data_arg((...), "unpack", raw_select("#", ...) > 0)
        return check(py_unpack(s, 0, 0, false))
    end,
    unpack_one = function(...)
        local s, offset = ...
        s = data_arg(s, "unpack_one", raw_select("#", ...) > 0)
        offset = h.checkint(offset or 0, 2, "unpack_one", true)
        return check(py_unpack(s, 1, offset, true))
    end,
    unpack_limit = function(...)
        local s, limit, offset = ...
        s = data_arg(s, "unpack_limit", raw_select("#", ...) > 0)
        limit = h.checkint(limit or 0, 2, "unpack_limit", true)
        offset = h.checkint(offset or 0, 3, "unpack_limit", true)
        return check(py_unpack(s, limit, offset, true))
    end,
    _NAME = "cmsgpack",
    _VERSION = "lua-cmsgpack 0.4.0",
    _COPYRIGHT = "Copyright (C) 2012, Salvatore Sanfilippo",
    _DESCRIPTION = "MessagePack C implementation for Lua",
}
