-- The struct library Redis loads (Roberto Ierusalimschy's API):
-- struct.pack(fmt, ...), struct.unpack(fmt, s [, i]), struct.size(fmt).
-- Python does the work (pyengine/lua_libs.py); an error comes back as
-- (FAIL, argument number, message) and is raised here as luaL_argerror
-- would word it.
local py, h = ...
local FAIL = py.FAIL
local p_pack, p_unpack, p_size = py.struct_pack, py.struct_unpack, py.struct_size
local raw_type, raw_tostring, raw_select, raw_tonumber = type, tostring, select, tonumber
local argerror, typeerror, raw_error = h.argerror, h.typeerror, h.raw_error

local function fmt_arg(fmt, fname, present)
    local t = raw_type(fmt)
    if t == "number" then return raw_tostring(fmt) end
    if t ~= "string" then typeerror(1, fname, "string", fmt, present) end
    return fmt
end

-- Raise what Python reported, blaming the script (level 3: check, then
-- the library function, then the script).
local function check(fname, first, ...)
    if first == FAIL then
        local argn, msg = ...
        if argn == 0 then raw_error(msg, 3) end
        raw_error(string.format("bad argument #%d to '%s' (%s)", argn, fname, msg), 3)
    end
    return first, ...
end

return {
    pack = function(...)
        local fmt = fmt_arg((...), "pack", raw_select("#", ...) > 0)
        return check("pack", p_pack(fmt, raw_select(2, ...)))
    end,
    unpack = function(...)
        local n = raw_select("#", ...)
        local fmt, data, pos = ...
        fmt = fmt_arg(fmt, "unpack", n > 0)
        local t = raw_type(data)
        if t == "number" then data = raw_tostring(data)
        elseif t ~= "string" then typeerror(2, "unpack", "string", data, n > 1) end
        if pos ~= nil then
            local p = raw_tonumber(pos)
            if p == nil then typeerror(3, "unpack", "number", pos, true) end
            pos = p
        end
        return check("unpack", p_unpack(fmt, data, pos))
    end,
    size = function(...)
        local fmt = fmt_arg((...), "size", raw_select("#", ...) > 0)
        return check("size", p_size(fmt))
    end,
}
