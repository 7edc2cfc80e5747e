/// The admin API's OpenAPI 3.1 description, served at `GET /admin/openapi.json`: the one source of truth for its
/// routes and shapes. `Tests/e2e/test_openapi.py` checks that every route the daemon registers is here and every route
/// here is registered, and runs schemathesis against the live daemon with it.
enum OpenAPIDocument {
    static let json = #"""
{
 "openapi": "3.1.0",
 "info": {
  "title": "gatewayd admin API",
  "version": "0.1.0",
  "description": "Gateways, their event handlers, collections, server pushes and handler test runs. Every `/admin/*` route needs `Authorization: Bearer <admin token>` (without a token configured, only unforwarded loopback requests of a daemon bound to loopback). Errors are `{error: {code, message, field?}}`."
 },
 "security": [
  {
   "adminToken": []
  }
 ],
 "components": {
  "securitySchemes": {
   "adminToken": {
    "type": "http",
    "scheme": "bearer"
   }
  },
  "schemas": {
   "Error": {
    "type": "object",
    "required": [
     "error"
    ],
    "properties": {
     "error": {
      "type": "object",
      "required": [
       "code",
       "message"
      ],
      "properties": {
       "code": {
        "type": "string"
       },
       "message": {
        "type": "string"
       },
       "field": {
        "type": "string",
        "description": "The request field that was wrong."
       },
       "line": {
        "type": "integer",
        "description": "A script's line, for SCRIPT_SYNTAX_ERROR."
       }
      }
     }
    }
   },
   "Gateway": {
    "type": "object",
    "required": [
     "id",
     "path",
     "enabled",
     "requireAuth",
     "description",
     "hooks",
     "connectionTimeoutMs",
     "defaultAck",
     "recovery",
     "origin",
     "version",
     "createdAt",
     "updatedAt"
    ],
    "properties": {
     "id": {
      "type": "integer",
      "format": "int64"
     },
     "path": {
      "$ref": "#/components/schemas/GatewayFields/properties/path"
     },
     "enabled": {
      "$ref": "#/components/schemas/GatewayFields/properties/enabled"
     },
     "requireAuth": {
      "$ref": "#/components/schemas/GatewayFields/properties/requireAuth"
     },
     "description": {
      "$ref": "#/components/schemas/GatewayFields/properties/description"
     },
     "connectionScript": {
      "type": [
       "string",
       "null"
      ]
     },
     "disconnectScript": {
      "type": [
       "string",
       "null"
      ]
     },
     "fallbackScript": {
      "type": [
       "string",
       "null"
      ]
     },
     "hooks": {
      "$ref": "#/components/schemas/GatewayFields/properties/hooks"
     },
     "connectionTimeoutMs": {
      "$ref": "#/components/schemas/GatewayFields/properties/connectionTimeoutMs"
     },
     "defaultAck": {
      "$ref": "#/components/schemas/GatewayFields/properties/defaultAck"
     },
     "recovery": {
      "$ref": "#/components/schemas/Recovery",
      "required": [
       "enabled",
       "maxDisconnectionMs",
       "skipConnectionHandler"
      ]
     },
     "origin": {
      "type": "string",
      "enum": [
       "api",
       "folder"
      ],
      "description": "Made through the admin API, or synced from the handlers folder."
     },
     "folderName": {
      "type": [
       "string",
       "null"
      ]
     },
     "version": {
      "type": "integer",
      "format": "int64"
     },
     "createdAt": {
      "type": "string",
      "format": "date-time"
     },
     "updatedAt": {
      "type": "string",
      "format": "date-time"
     }
    }
   },
   "GatewayFields": {
    "type": "object",
    "properties": {
     "path": {
      "type": "string",
      "pattern": "^/[^\\s?#]{0,199}$",
      "description": "The Socket.IO namespace, `/` and a name."
     },
     "enabled": {
      "type": "boolean"
     },
     "requireAuth": {
      "type": "boolean"
     },
     "description": {
      "type": "string"
     },
     "connectionScript": {
      "type": [
       "string",
       "null"
      ]
     },
     "disconnectScript": {
      "type": [
       "string",
       "null"
      ]
     },
     "fallbackScript": {
      "type": [
       "string",
       "null"
      ]
     },
     "hooks": {
      "type": "object",
      "additionalProperties": {
       "type": "string"
      },
      "description": "Change hooks: collection name → Lua script."
     },
     "connectionTimeoutMs": {
      "type": "integer",
      "minimum": 1,
      "maximum": 300000
     },
     "defaultAck": {
      "$ref": "#/components/schemas/Ack"
     },
     "recovery": {
      "$ref": "#/components/schemas/Recovery"
     }
    }
   },
   "Recovery": {
    "type": "object",
    "additionalProperties": false,
    "description": "Connection state recovery (socket.io-client ≥ 4.6).",
    "properties": {
     "enabled": {
      "type": "boolean"
     },
     "maxDisconnectionMs": {
      "type": "integer",
      "minimum": 1000,
      "maximum": 86400000
     },
     "skipConnectionHandler": {
      "type": "boolean"
     }
    }
   },
   "GatewayCreate": {
    "$ref": "#/components/schemas/GatewayFields",
    "required": [
     "path"
    ]
   },
   "GatewayPatch": {
    "$ref": "#/components/schemas/GatewayFields",
    "description": "The fields to change; a script set to null is removed; `recovery` is merged."
   },
   "Event": {
    "type": "object",
    "required": [
     "id",
     "gatewayId",
     "eventName",
     "script",
     "enabled",
     "timeoutMs",
     "ack",
     "description",
     "version",
     "createdAt",
     "updatedAt"
    ],
    "properties": {
     "id": {
      "type": "integer",
      "format": "int64"
     },
     "gatewayId": {
      "type": "integer",
      "format": "int64"
     },
     "eventName": {
      "$ref": "#/components/schemas/EventFields/properties/eventName"
     },
     "script": {
      "$ref": "#/components/schemas/EventFields/properties/script"
     },
     "enabled": {
      "$ref": "#/components/schemas/EventFields/properties/enabled"
     },
     "timeoutMs": {
      "$ref": "#/components/schemas/EventFields/properties/timeoutMs"
     },
     "ack": {
      "$ref": "#/components/schemas/EventFields/properties/ack"
     },
     "description": {
      "$ref": "#/components/schemas/EventFields/properties/description"
     },
     "version": {
      "type": "integer",
      "format": "int64"
     },
     "createdAt": {
      "type": "string",
      "format": "date-time"
     },
     "updatedAt": {
      "type": "string",
      "format": "date-time"
     }
    }
   },
   "Ack": {
    "type": "string",
    "enum": [
     "queued",
     "result",
     "callback"
    ],
    "description": "How the event is answered: `queued` (acked at once, outcome as `ws:result`/`ws:error`), `result` (the ack carries the outcome), `callback` (error-first ack)."
   },
   "EventFields": {
    "type": "object",
    "properties": {
     "eventName": {
      "type": "string",
      "minLength": 1,
      "maxLength": 200
     },
     "script": {
      "type": "string",
      "description": "The Lua handler."
     },
     "enabled": {
      "type": "boolean"
     },
     "timeoutMs": {
      "type": "integer",
      "minimum": 1,
      "maximum": 300000
     },
     "ack": {
      "$ref": "#/components/schemas/Ack"
     },
     "description": {
      "type": "string"
     }
    }
   },
   "EventCreate": {
    "$ref": "#/components/schemas/EventFields",
    "required": [
     "eventName",
     "script"
    ]
   },
   "EventPatch": {
    "$ref": "#/components/schemas/EventFields"
   },
   "Item": {
    "type": "object",
    "description": "A collection item: its fields, and the server's `id`, `createdAt`, `updatedAt`.",
    "additionalProperties": true
   },
   "Health": {
    "type": "object",
    "required": [
     "status",
     "version",
     "database"
    ],
    "properties": {
     "status": {
      "type": "string",
      "enum": [
       "ok",
       "unavailable"
      ]
     },
     "version": {
      "type": "string"
     },
     "database": {
      "type": "string"
     },
     "node": {
      "type": "string"
     },
     "cluster": {
      "type": "object",
      "properties": {
       "nodes": {
        "type": "integer"
       },
       "database": {
        "type": "string"
       }
      }
     }
    }
   },
   "TestRun": {
    "type": "object",
    "properties": {
     "kind": {
      "type": "string",
      "enum": [
       "websocket_event",
       "websocket_connection"
      ]
     },
     "gatewayPath": {
      "type": "string"
     },
     "gatewayId": {
      "type": "integer",
      "format": "int64"
     },
     "eventName": {
      "type": "string"
     },
     "script": {
      "type": "string",
      "description": "Run this script instead of the stored one."
     },
     "payload": {
      "description": "BODY."
     },
     "args": {
      "type": "array",
      "description": "ARGS."
     },
     "user": {
      "description": "USER's claims, or null."
     },
     "handshake": {
      "type": "object"
     },
     "timeoutMs": {
      "type": "integer"
     },
     "socketData": {
      "description": "SOCKET.data before the run."
     },
     "commit": {
      "type": "boolean",
      "description": "Keep the run's DB writes (and run the change hooks)."
     }
    }
   },
   "TestRunReport": {
    "type": "object",
    "required": [
     "success",
     "logs",
     "emitted",
     "socketData",
     "writes"
    ],
    "properties": {
     "success": {
      "type": "boolean"
     },
     "result": {},
     "error": {
      "type": "object",
      "required": [
       "code",
       "message",
       "status"
      ],
      "properties": {
       "code": {
        "type": "string"
       },
       "message": {
        "type": "string"
       },
       "details": {},
       "status": {
        "type": "integer"
       }
      }
     },
     "logs": {
      "type": "array"
     },
     "emitted": {
      "type": "array",
      "items": {
       "type": "object",
       "required": [
        "method",
        "args"
       ],
       "properties": {
        "method": {
         "type": "string"
        },
        "args": {
         "type": "array"
        }
       }
      }
     },
     "socketData": {},
     "writes": {
      "type": "array",
      "items": {
       "type": "object",
       "required": [
        "collection",
        "action"
       ],
       "properties": {
        "collection": {
         "type": "string"
        },
        "action": {
         "type": "string"
        },
        "id": {
         "type": "string"
        }
       }
      }
     }
    }
   },
   "Emit": {
    "type": "object",
    "required": [
     "target",
     "event"
    ],
    "properties": {
     "target": {
      "type": "object",
      "description": "Exactly one of `user`, `room`, `gateway` or `all: true`.",
      "properties": {
       "user": {
        "type": "string"
       },
       "room": {
        "type": "string"
       },
       "gateway": {
        "type": "string"
       },
       "all": {
        "type": "boolean"
       }
      }
     },
     "event": {
      "type": "string",
      "minLength": 1
     },
     "args": {
      "type": "array"
     }
    }
   },
   "Socket": {
    "type": "object",
    "required": [
     "id",
     "transport",
     "rooms",
     "connectedAt"
    ],
    "properties": {
     "id": {
      "type": "string"
     },
     "user": {
      "type": [
       "string",
       "null"
      ],
      "description": "The signed-in user's id; absent while anonymous."
     },
     "transport": {
      "type": "string",
      "description": "`polling` or `websocket`."
     },
     "rooms": {
      "type": "array",
      "items": {
       "type": "string"
      },
      "description": "The rooms it joined."
     },
     "connectedAt": {
      "type": "string",
      "format": "date-time"
     }
    }
   },
   "Cluster": {
    "type": "object",
    "required": [
     "node",
     "nodes"
    ],
    "properties": {
     "node": {
      "type": "string"
     },
     "nodes": {
      "type": "array",
      "items": {
       "type": "object",
       "required": [
        "id",
        "address",
        "startedAt",
        "lastHeartbeat",
        "sockets"
       ],
       "properties": {
        "id": {
         "type": "string"
        },
        "address": {
         "type": "string"
        },
        "startedAt": {
         "type": "string"
        },
        "lastHeartbeat": {
         "type": "string"
        },
        "sockets": {
         "type": "integer"
        }
       }
      }
     }
    }
   }
  },
  "parameters": {
   "GatewayId": {
    "name": "id",
    "in": "path",
    "required": true,
    "schema": {
     "type": "integer",
     "format": "int64"
    },
    "description": "The gateway's id."
   },
   "EventName": {
    "name": "eventName",
    "in": "path",
    "required": true,
    "schema": {
     "type": "string"
    },
    "description": "The event's name."
   },
   "CollectionName": {
    "name": "name",
    "in": "path",
    "required": true,
    "schema": {
     "type": "string",
     "pattern": "^[A-Za-z_][A-Za-z0-9_-]{0,62}$"
    },
    "description": "The collection's name."
   },
   "ItemId": {
    "name": "id",
    "in": "path",
    "required": true,
    "schema": {
     "type": "string"
    },
    "description": "The item's id."
   },
   "SocketId": {
    "name": "socketId",
    "in": "path",
    "required": true,
    "schema": {
     "type": "string"
    },
    "description": "The socket's id."
   }
  },
  "responses": {
   "Error": {
    "description": "An error: `{error: {code, message, field?, line?}}` with the HTTP status of its code (400 `INVALID_JSON`/`BAD_REQUEST`, 401 `UNAUTHORIZED`, 403 `FORBIDDEN`, 404 `NOT_FOUND`, 409 `CONFLICT`, 413 `PAYLOAD_TOO_LARGE`, 422 `VALIDATION_ERROR`/`SCRIPT_SYNTAX_ERROR`, 503 `SERVICE_UNAVAILABLE`).",
    "content": {
     "application/json": {
      "schema": {
       "$ref": "#/components/schemas/Error"
      }
     }
    }
   }
  }
 },
 "paths": {
  "/healthz": {
   "get": {
    "summary": "Health of the node and its database (no token)",
    "tags": [
     "health"
    ],
    "responses": {
     "200": {
      "description": "Healthy.",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Health"
        }
       }
      }
     },
     "503": {
      "description": "The database (or, in a cluster, PostgreSQL) does not answer.",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Health"
        }
       }
      }
     }
    },
    "security": []
   }
  },
  "/metrics": {
   "get": {
    "summary": "Prometheus metrics (docs/metrics.md); admin auth unless --metrics-public",
    "tags": [
     "metrics"
    ],
    "responses": {
     "200": {
      "description": "Prometheus' text format 0.0.4.",
      "content": {
       "text/plain": {
        "schema": {
         "type": "string"
        }
       }
      }
     },
     "default": {
      "$ref": "#/components/responses/Error"
     }
    }
   }
  },
  "/admin/ui": {
   "get": {
    "summary": "The web console's page (no token: the page asks for it)",
    "tags": [
     "console"
    ],
    "responses": {
     "200": {
      "description": "The console.",
      "content": {
       "text/html": {
        "schema": {
         "type": "string"
        }
       }
      }
     },
     "default": {
      "$ref": "#/components/responses/Error"
     }
    },
    "security": []
   }
  },
  "/admin/ui/console.css": {
   "get": {
    "summary": "The web console's styles",
    "tags": [
     "console"
    ],
    "responses": {
     "200": {
      "description": "CSS.",
      "content": {
       "text/css": {
        "schema": {
         "type": "string"
        }
       }
      }
     },
     "default": {
      "$ref": "#/components/responses/Error"
     }
    },
    "security": []
   }
  },
  "/admin/ui/console.js": {
   "get": {
    "summary": "The web console's script",
    "tags": [
     "console"
    ],
    "responses": {
     "200": {
      "description": "JavaScript.",
      "content": {
       "text/javascript": {
        "schema": {
         "type": "string"
        }
       }
      }
     },
     "default": {
      "$ref": "#/components/responses/Error"
     }
    },
    "security": []
   }
  },
  "/admin/openapi.json": {
   "get": {
    "summary": "This document",
    "tags": [
     "admin"
    ],
    "responses": {
     "200": {
      "description": "The OpenAPI 3.1 description of the admin API.",
      "content": {
       "application/json": {
        "schema": {
         "type": "object"
        }
       }
      }
     },
     "default": {
      "$ref": "#/components/responses/Error"
     }
    }
   }
  },
  "/admin/gateways": {
   "get": {
    "summary": "List gateways",
    "tags": [
     "admin"
    ],
    "responses": {
     "200": {
      "description": "Every gateway.",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "required": [
          "gateways"
         ],
         "properties": {
          "gateways": {
           "type": "array",
           "items": {
            "$ref": "#/components/schemas/Gateway"
           }
          }
         }
        }
       }
      }
     },
     "default": {
      "$ref": "#/components/responses/Error"
     }
    }
   },
   "post": {
    "summary": "Create a gateway (scripts are compiled first)",
    "tags": [
     "admin"
    ],
    "responses": {
     "201": {
      "description": "Created.",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Gateway"
        }
       }
      }
     },
     "default": {
      "$ref": "#/components/responses/Error"
     }
    },
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/GatewayCreate"
       }
      }
     }
    }
   }
  },
  "/admin/gateways/{id}": {
   "get": {
    "summary": "One gateway",
    "tags": [
     "admin"
    ],
    "responses": {
     "200": {
      "description": "The gateway.",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Gateway"
        }
       }
      }
     },
     "default": {
      "$ref": "#/components/responses/Error"
     }
    },
    "parameters": [
     {
      "$ref": "#/components/parameters/GatewayId"
     }
    ]
   },
   "patch": {
    "summary": "Change a gateway",
    "tags": [
     "admin"
    ],
    "responses": {
     "200": {
      "description": "The gateway as changed.",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Gateway"
        }
       }
      }
     },
     "default": {
      "$ref": "#/components/responses/Error"
     }
    },
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/GatewayPatch"
       }
      }
     }
    },
    "parameters": [
     {
      "$ref": "#/components/parameters/GatewayId"
     }
    ]
   },
   "delete": {
    "summary": "Delete a gateway and its events",
    "tags": [
     "admin"
    ],
    "responses": {
     "204": {
      "description": "Deleted."
     },
     "default": {
      "$ref": "#/components/responses/Error"
     }
    },
    "parameters": [
     {
      "$ref": "#/components/parameters/GatewayId"
     }
    ]
   }
  },
  "/admin/gateways/{id}/events": {
   "get": {
    "summary": "List a gateway's events",
    "tags": [
     "admin"
    ],
    "responses": {
     "200": {
      "description": "Its events.",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "required": [
          "events"
         ],
         "properties": {
          "events": {
           "type": "array",
           "items": {
            "$ref": "#/components/schemas/Event"
           }
          }
         }
        }
       }
      }
     },
     "default": {
      "$ref": "#/components/responses/Error"
     }
    },
    "parameters": [
     {
      "$ref": "#/components/parameters/GatewayId"
     }
    ]
   },
   "post": {
    "summary": "Create an event handler (compiled first)",
    "tags": [
     "admin"
    ],
    "responses": {
     "201": {
      "description": "Created.",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Event"
        }
       }
      }
     },
     "default": {
      "$ref": "#/components/responses/Error"
     }
    },
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/EventCreate"
       }
      }
     }
    },
    "parameters": [
     {
      "$ref": "#/components/parameters/GatewayId"
     }
    ]
   }
  },
  "/admin/gateways/{id}/events/{eventName}": {
   "get": {
    "summary": "One event",
    "tags": [
     "admin"
    ],
    "responses": {
     "200": {
      "description": "The event.",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Event"
        }
       }
      }
     },
     "default": {
      "$ref": "#/components/responses/Error"
     }
    },
    "parameters": [
     {
      "$ref": "#/components/parameters/GatewayId"
     },
     {
      "$ref": "#/components/parameters/EventName"
     }
    ]
   },
   "patch": {
    "summary": "Change an event",
    "tags": [
     "admin"
    ],
    "responses": {
     "200": {
      "description": "The event as changed.",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Event"
        }
       }
      }
     },
     "default": {
      "$ref": "#/components/responses/Error"
     }
    },
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/EventPatch"
       }
      }
     }
    },
    "parameters": [
     {
      "$ref": "#/components/parameters/GatewayId"
     },
     {
      "$ref": "#/components/parameters/EventName"
     }
    ]
   },
   "delete": {
    "summary": "Delete an event",
    "tags": [
     "admin"
    ],
    "responses": {
     "204": {
      "description": "Deleted."
     },
     "default": {
      "$ref": "#/components/responses/Error"
     }
    },
    "parameters": [
     {
      "$ref": "#/components/parameters/GatewayId"
     },
     {
      "$ref": "#/components/parameters/EventName"
     }
    ]
   }
  },
  "/admin/gateways/{id}/sockets": {
   "get": {
    "summary": "The sockets connected to a gateway, on every node",
    "tags": [
     "sockets"
    ],
    "responses": {
     "200": {
      "description": "Its live sockets, oldest first.",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "required": [
          "sockets"
         ],
         "properties": {
          "sockets": {
           "type": "array",
           "items": {
            "$ref": "#/components/schemas/Socket"
           }
          }
         }
        }
       }
      }
     },
     "default": {
      "$ref": "#/components/responses/Error"
     }
    },
    "parameters": [
     {
      "$ref": "#/components/parameters/GatewayId"
     }
    ]
   }
  },
  "/admin/gateways/{id}/sockets/{socketId}/disconnect": {
   "post": {
    "summary": "Disconnect a socket, wherever it is (its client hears a server disconnect)",
    "tags": [
     "sockets"
    ],
    "responses": {
     "204": {
      "description": "Disconnected."
     },
     "default": {
      "$ref": "#/components/responses/Error"
     }
    },
    "parameters": [
     {
      "$ref": "#/components/parameters/GatewayId"
     },
     {
      "$ref": "#/components/parameters/SocketId"
     }
    ]
   }
  },
  "/admin/collections": {
   "get": {
    "summary": "List collections",
    "tags": [
     "collections"
    ],
    "responses": {
     "200": {
      "description": "Every collection with its item count and indexes.",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "required": [
          "collections"
         ],
         "properties": {
          "collections": {
           "type": "array",
           "items": {
            "type": "object",
            "required": [
             "name",
             "count",
             "indexes"
            ],
            "properties": {
             "name": {
              "type": "string"
             },
             "count": {
              "type": "integer"
             },
             "indexes": {
              "type": "array"
             }
            }
           }
          }
         }
        }
       }
      }
     },
     "default": {
      "$ref": "#/components/responses/Error"
     }
    }
   }
  },
  "/admin/collections/{name}": {
   "delete": {
    "summary": "Drop a collection",
    "tags": [
     "collections"
    ],
    "responses": {
     "204": {
      "description": "Dropped."
     },
     "default": {
      "$ref": "#/components/responses/Error"
     }
    },
    "parameters": [
     {
      "$ref": "#/components/parameters/CollectionName"
     }
    ]
   }
  },
  "/admin/collections/{name}/items": {
   "get": {
    "summary": "Find items",
    "tags": [
     "collections"
    ],
    "responses": {
     "200": {
      "description": "The page of items and the total that match.",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "required": [
          "data",
          "meta"
         ],
         "properties": {
          "data": {
           "type": "array",
           "items": {
            "$ref": "#/components/schemas/Item"
           }
          },
          "meta": {
           "type": "object",
           "required": [
            "total"
           ],
           "properties": {
            "total": {
             "type": "integer"
            }
           }
          }
         }
        }
       }
      }
     },
     "default": {
      "$ref": "#/components/responses/Error"
     }
    },
    "parameters": [
     {
      "$ref": "#/components/parameters/CollectionName"
     },
     {
      "name": "filter",
      "in": "query",
      "required": false,
      "schema": {
       "type": "string"
      },
      "description": "A JSON filter (`{\"n\": {\"_gt\": 3}}`)."
     },
     {
      "name": "sort",
      "in": "query",
      "required": false,
      "schema": {
       "type": "string"
      },
      "description": "Fields, comma-separated, `-` for descending."
     },
     {
      "name": "fields",
      "in": "query",
      "required": false,
      "schema": {
       "type": "string"
      },
      "description": "Fields to return, comma-separated."
     },
     {
      "name": "limit",
      "in": "query",
      "required": false,
      "schema": {
       "type": "integer"
      },
      "description": "At most this many (up to 1000)."
     },
     {
      "name": "offset",
      "in": "query",
      "required": false,
      "schema": {
       "type": "integer"
      },
      "description": "Skip this many."
     }
    ]
   },
   "post": {
    "summary": "Create an item",
    "tags": [
     "collections"
    ],
    "responses": {
     "201": {
      "description": "Created.",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Item"
        }
       }
      }
     },
     "default": {
      "$ref": "#/components/responses/Error"
     }
    },
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/Item"
       }
      }
     }
    },
    "parameters": [
     {
      "$ref": "#/components/parameters/CollectionName"
     }
    ]
   }
  },
  "/admin/collections/{name}/items/{id}": {
   "get": {
    "summary": "One item",
    "tags": [
     "collections"
    ],
    "responses": {
     "200": {
      "description": "The item.",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Item"
        }
       }
      }
     },
     "default": {
      "$ref": "#/components/responses/Error"
     }
    },
    "parameters": [
     {
      "$ref": "#/components/parameters/CollectionName"
     },
     {
      "$ref": "#/components/parameters/ItemId"
     }
    ]
   },
   "patch": {
    "summary": "Change an item's fields",
    "tags": [
     "collections"
    ],
    "responses": {
     "200": {
      "description": "The item as changed.",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Item"
        }
       }
      }
     },
     "default": {
      "$ref": "#/components/responses/Error"
     }
    },
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/Item"
       }
      }
     }
    },
    "parameters": [
     {
      "$ref": "#/components/parameters/CollectionName"
     },
     {
      "$ref": "#/components/parameters/ItemId"
     }
    ]
   },
   "put": {
    "summary": "Replace an item",
    "tags": [
     "collections"
    ],
    "responses": {
     "200": {
      "description": "The item as replaced.",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Item"
        }
       }
      }
     },
     "default": {
      "$ref": "#/components/responses/Error"
     }
    },
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/Item"
       }
      }
     }
    },
    "parameters": [
     {
      "$ref": "#/components/parameters/CollectionName"
     },
     {
      "$ref": "#/components/parameters/ItemId"
     }
    ]
   },
   "delete": {
    "summary": "Delete an item",
    "tags": [
     "collections"
    ],
    "responses": {
     "200": {
      "description": "The item deleted.",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Item"
        }
       }
      }
     },
     "default": {
      "$ref": "#/components/responses/Error"
     }
    },
    "parameters": [
     {
      "$ref": "#/components/parameters/CollectionName"
     },
     {
      "$ref": "#/components/parameters/ItemId"
     }
    ]
   }
  },
  "/admin/emit": {
   "post": {
    "summary": "Push an event to a user, a room, a gateway or everyone",
    "tags": [
     "admin"
    ],
    "responses": {
     "200": {
      "description": "How many sockets it reached, on every node.",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "required": [
          "delivered"
         ],
         "properties": {
          "delivered": {
           "type": "integer"
          }
         }
        }
       }
      }
     },
     "default": {
      "$ref": "#/components/responses/Error"
     }
    },
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/Emit"
       }
      }
     }
    }
   }
  },
  "/admin/cluster": {
   "get": {
    "summary": "The cluster's live nodes (404 off a cluster)",
    "tags": [
     "admin"
    ],
    "responses": {
     "200": {
      "description": "This node and the live nodes.",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Cluster"
        }
       }
      }
     },
     "default": {
      "$ref": "#/components/responses/Error"
     }
    }
   }
  },
  "/admin/test/run": {
   "post": {
    "summary": "Run a handler against a simulated socket",
    "tags": [
     "admin"
    ],
    "responses": {
     "200": {
      "description": "What the handler returned, logged, emitted and wrote.",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/TestRunReport"
        }
       }
      }
     },
     "default": {
      "$ref": "#/components/responses/Error"
     }
    },
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/TestRun"
       }
      }
     }
    }
   }
  }
 }
}
"""#
}
