-- The cjson library Redis loads (lua-cjson 2.1's API and behaviour).
--
-- encode walks the value here, in Lua:
--   * a table whose keys are all positive integers is an array of 1..max
--     (holes become null) unless it is "excessively sparse": max > 10 and
--     max > 2 * (number of keys) is an error by default
--     (encode_sparse_array(convert, ratio, safe) changes that); any other
--     table, the empty one included, is an object with number or string
--     keys, in the table's own iteration order;
--   * numbers print with "%.14g" (encode_number_precision), NaN and Inf
--     are refused unless encode_invalid_numbers(true);
--   * strings escape '"', '\', '/', the control characters and DEL; other
--     bytes go through unchanged;
--   * cjson.null is null; functions, threads and other userdata are refused;
--   * more than 1000 nested tables is an error (encode_max_depth).
-- decode is done by Python (pyengine/lua_libs.py: json_decode) with
-- lua-cjson's error messages ("Expected value but found T_END at character 1").
local py, h = ...
local raw_type, raw_next, raw_error, raw_pcall = type, next, error, pcall
local raw_tostring, raw_tonumber, raw_select = tostring, tonumber, select
local s_format, s_gsub, s_byte, t_concat = string.format, string.gsub, string.byte, table.concat
local floor, huge = math.floor, math.huge
local FAIL = py.FAIL
local py_decode = py.json_decode
local argerror = h.argerror

local null = h.null
local raw_rawget = rawget

local escapes = {
    ['"'] = '\\"', ["\\"] = "\\\\", ["/"] = "\\/",
    ["\b"] = "\\b", ["\f"] = "\\f", ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t",
}
for i = 0, 31 do
    local ch = string.char(i)
    if not escapes[ch] then escapes[ch] = s_format("\\u%04x", i) end
end
escapes["\127"] = "\\u007f"

local function new_cjson()
    local cfg = {
        sparse_convert = false, sparse_ratio = 2, sparse_safe = 10,
        max_depth = 1000, decode_max_depth = 1000, precision = 14,
        invalid_numbers = false, decode_invalid = true, keep_buffer = true,
    }
    local numfmt = "%.14g"

    local function fail(msg)
        raw_error({cjson_error = msg})
    end

    local function typename(v)
        local t = raw_type(v)
        if t == "userdata" then return "userdata" end
        return t
    end

    local function number(n)
        if n ~= n or n == huge or n == -huge then
            if not cfg.invalid_numbers then fail("Cannot serialise number: must not be NaN or Inf") end
            if n ~= n then return "nan" end
            return n > 0 and "inf" or "-inf"
        end
        return s_format(numfmt, n)
    end

    local function string_(s)
        return '"' .. s_gsub(s, '[%z\1-\31"\\/\127]', escapes) .. '"'
    end

    local encode_value

    local function array_length(t)
        local max, items = 0, 0
        for k in raw_next, t do
            if raw_type(k) == "number" and k >= 1 and floor(k) == k then
                if k > max then max = k end
                items = items + 1
            else
                return -1
            end
        end
        if cfg.sparse_ratio > 0 and max > items * cfg.sparse_ratio and max > cfg.sparse_safe then
            if not cfg.sparse_convert then
                fail("Cannot serialise table: excessively sparse array")
            end
            return -1
        end
        return max
    end

    local function table_(t, depth, out)
        depth = depth + 1
        if depth > cfg.max_depth then
            fail("Cannot serialise, excessive nesting (" .. depth .. ")")
        end
        local len = array_length(t)
        if len > 0 then
            out[#out + 1] = "["
            for i = 1, len do
                if i > 1 then out[#out + 1] = "," end
                encode_value(raw_rawget(t, i), depth, out)
            end
            out[#out + 1] = "]"
        else
            out[#out + 1] = "{"
            local first = true
            for k, v in raw_next, t do
                if not first then out[#out + 1] = "," end
                first = false
                local kt = raw_type(k)
                if kt == "string" then
                    out[#out + 1] = string_(k) .. ":"
                elseif kt == "number" then
                    out[#out + 1] = '"' .. number(k) .. '":'
                else
                    fail("Cannot serialise " .. typename(k) .. ": table key must be a number or string")
                end
                encode_value(v, depth, out)
            end
            out[#out + 1] = "}"
        end
    end

    encode_value = function(v, depth, out)
        local t = raw_type(v)
        if t == "string" then
            out[#out + 1] = string_(v)
        elseif t == "number" then
            out[#out + 1] = number(v)
        elseif t == "boolean" then
            out[#out + 1] = v and "true" or "false"
        elseif t == "nil" or v == null then
            out[#out + 1] = "null"
        elseif t == "table" then
            table_(v, depth, out)
        else
            fail("Cannot serialise " .. typename(v) .. ": type not supported")
        end
    end

    local cjson = {}

    function cjson.encode(...)
        if raw_select("#", ...) ~= 1 then argerror(1, "encode", "expected 1 argument") end
        local out = {}
        local ok, err = raw_pcall(encode_value, (...), 0, out)
        if not ok then
            if raw_type(err) == "table" and err.cjson_error then raw_error(err.cjson_error, 2) end
            raw_error(err, 0)
        end
        return t_concat(out)
    end

    function cjson.decode(...)
        if raw_select("#", ...) ~= 1 then argerror(1, "decode", "expected 1 argument") end
        local s = ...
        local t = raw_type(s)
        if t == "number" then s = raw_tostring(s)
        elseif t ~= "string" then h.typeerror(1, "decode", "string", s, true) end
        local v, msg = py_decode(s, cfg.decode_max_depth, cfg.decode_invalid)
        if v == FAIL then raw_error(msg, 2) end
        return v
    end

    local function cfg_bool(v, key, fname, argn)
        if v == nil then return end
        if v == true or v == false then cfg[key] = v; return end
        if v == "on" then cfg[key] = true; return end
        if v == "off" then cfg[key] = false; return end
        argerror(argn, fname, "invalid option '" .. raw_tostring(v) .. "'")
    end

    local function cfg_int(v, key, fname, argn, lo, hi)
        if v == nil then return end
        local n = raw_tonumber(v)
        if n == nil then h.typeerror(argn, fname, "number", v, true) end
        n = floor(n)
        if n < lo or n > hi then
            argerror(argn, fname, "expected integer between " .. lo .. " and " .. hi)
        end
        cfg[key] = n
    end

    function cjson.encode_sparse_array(convert, ratio, safe)
        cfg_bool(convert, "sparse_convert", "encode_sparse_array", 1)
        cfg_int(ratio, "sparse_ratio", "encode_sparse_array", 2, 0, 2147483647)
        cfg_int(safe, "sparse_safe", "encode_sparse_array", 3, 0, 2147483647)
        return cfg.sparse_convert, cfg.sparse_ratio, cfg.sparse_safe
    end

    function cjson.encode_max_depth(n)
        cfg_int(n, "max_depth", "encode_max_depth", 1, 1, 2147483647)
        return cfg.max_depth
    end

    function cjson.decode_max_depth(n)
        cfg_int(n, "decode_max_depth", "decode_max_depth", 1, 1, 2147483647)
        return cfg.decode_max_depth
    end

    function cjson.encode_number_precision(n)
        cfg_int(n, "precision", "encode_number_precision", 1, 1, 14)
        numfmt = "%." .. cfg.precision .. "g"
        return cfg.precision
    end

    function cjson.encode_keep_buffer(v)
        cfg_bool(v, "keep_buffer", "encode_keep_buffer", 1)
        return cfg.keep_buffer
    end

    function cjson.encode_invalid_numbers(v)
        cfg_bool(v, "invalid_numbers", "encode_invalid_numbers", 1)
        return cfg.invalid_numbers
    end

    function cjson.decode_invalid_numbers(v)
        cfg_bool(v, "decode_invalid", "decode_invalid_numbers", 1)
        return cfg.decode_invalid
    end

    cjson.new = new_cjson
    cjson.null = null
    cjson._NAME = "cjson"
    cjson._VERSION = "2.1.0"
    return cjson
end

return new_cjson()
