const http = require("http");
const leftPad = require("left-pad");
const port = Number(process.env.PORT || 3000);
http.createServer((req, res) => res.end(leftPad("sample v1", 12, "*") + "\n")).listen(port, "0.0.0.0");
