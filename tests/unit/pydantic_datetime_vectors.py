# The test vectors of test_lax_datetime (test_fields.c), from pydantic
# itself: python3 tests/unit/pydantic_datetime_vectors.py prints the C rows
# (needs pydantic 2; not run by make). FastAPI validates json.loads output
# with validate_python, so that is what is asked here.
import json
from datetime import timezone
from pydantic import TypeAdapter, ValidationError, AwareDatetime
ta = TypeAdapter(AwareDatetime)
inputs = ['"2026-11-26T10:57:25Z"','"2026-11-26T10:57:25.123Z"','"2026-11-26t10:57:25z"','"2026-11-26 10:57:25Z"',
 '"2026-11-26_10:57:25Z"','"2026-11-26T10:57Z"','"2026-11-26T10:57:25,5+01:00"','"2026-11-26T10:57:25.1234567-05:30"',
 '"2026-11-26T10:57:25+0530"','"2026-11-26T10:57:25\u221202:00"','"2026-11-26T00:30:00+23:59"',
 '"2026-11-26T10:57:25"','"2026-11-26"','"2026-11-26T24:00:00Z"','"2026-11-26T10:60:00Z"','"2026-11-26T10:57:60Z"',
 '"2026-02-29T00:00:00Z"','"2024-02-29T00:00:00Z"','"2026-13-01T00:00:00Z"','"2026-11-26T10:57:25+24:00"',
 '"2026-11-26T10:57:25+01:60"','"2026-11-26T10:57:25.Z"','"2026-11-26T10Z"','"2026-11-26X10:57:25Z"','"tomorrow"',
 '""','"x"','" 2026-11-26T10:57:25Z"','"2026/11/26T10:57:25Z"','"0000-01-01T00:00:00Z"',
 '"1700000000"','"1700000000.5"','"-1"','"+5"','"1e5"','"1.7e9"','"12"','"99999999999999999"','"1700000000 "',
 '1700000000','1700000000.5','0','-1','-1.5','1e11','2e10','20000000001','-20000000001','1e20','-1e20',
 '1700000000123','1700000000123.4','253402300799','1.7e9', '86400', '"86400"',
 'true','false','null','[]','{}', '"2026-11-26T10:57:25+01"', '"2026-11-26T10:57:25+1"', '"2026-11-26T1:57:25Z"',
 '"9999-12-31T23:59:59Z"', '-1.25', '3e13', '20000000000.5', '"20000000000.5"', '1e15', '"-1.25"', '"1.5e3"', '".5"', '"2026-11-26T10:57:25.000001Z"','"2026-11-26T10:57:25.9999999Z"']
def c(s): return json.dumps(s)
rows=[]
for js in inputs:
    try:
        r = ta.validate_python(json.loads(js))
        u = r.astimezone(timezone.utc)
        rows.append((js, 'ok', u.strftime('%Y-%m-%dT%H:%M:%S.%fZ')))
    except ValidationError as e:
        er = e.errors()[0]
        rows.append((js, er['type'], er['msg']))
    except Exception as e:
        rows.append((js, 'EXC', str(e)))
for js, t, m in rows:
    print('\t{ %s, "%s",\n\t    %s },' % (c(js), t, c(m)))
