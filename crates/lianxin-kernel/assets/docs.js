window.addEventListener("load",function(){window.ui=SwaggerUIBundle({url:"/api/v1/openapi.json",dom_id:"#swagger-ui"});});
