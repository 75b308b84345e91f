-- The bit library Redis loads (LuaBitOp's API): 32-bit operations on Lua
-- numbers. Arguments are checked here, with Lua's wording; the arithmetic
-- is done by Python (pyengine/lua_libs.py: bit_op), exactly, on int32.
local py, h = ...
local bit_op = py.bit_op
local raw_tonumber, raw_select, raw_type = tonumber, select, type
local typeerror = h.typeerror

local function op(name, min, max)
    local code = name
    return function(...)
        local n = raw_select("#", ...)
        for i = 1, (n < min and min or n) do
            local v = raw_select(i, ...)
            if raw_tonumber(v) == nil then typeerror(i, name, "number", v, i <= n) end
        end
        if max and n > max then n = max end
        return bit_op(code, ...)
    end
end

return {
    tobit = op("tobit", 1, 1),
    tohex = function(...)
        local n = raw_select("#", ...)
        local x, w = ...
        if raw_tonumber(x) == nil then typeerror(1, "tohex", "number", x, n >= 1) end
        if n >= 2 and w ~= nil and raw_tonumber(w) == nil then typeerror(2, "tohex", "number", w, true) end
        return bit_op("tohex", x, w)
    end,
    bnot = op("bnot", 1, 1),
    band = op("band", 1),
    bor = op("bor", 1),
    bxor = op("bxor", 1),
    lshift = op("lshift", 2, 2),
    rshift = op("rshift", 2, 2),
    arshift = op("arshift", 2, 2),
    rol = op("rol", 2, 2),
    ror = op("ror", 2, 2),
    bswap = op("bswap", 1, 1),
}
