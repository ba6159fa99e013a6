<?xml version="1.0" encoding="utf-8"?>
<!-- Shows RSS 2.0 and Atom feeds as a readable Korean page in browsers; readers ignore it. -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
  xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/"
  exclude-result-prefixes="atom dc">
  <xsl:output method="html" encoding="utf-8" doctype-system="about:legacy-compat"/>
  <xsl:template match="/">
    <html lang="ko">
      <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title><xsl:value-of select="rss/channel/title | atom:feed/atom:title"/> (피드)</title>
        <link rel="stylesheet" href="/static/site.css"/>
      </head>
      <body>
        <main class="wrap feed-preview">
          <p class="sample-notice">이 페이지는 <strong>구독용 피드</strong>입니다. 주소창의 URL을 RSS 리더(피드 구독 앱)에 붙여 넣으면 새 보도자료를 받아볼 수 있습니다. <a href="/feeds/">구독 안내</a></p>
          <h1><xsl:value-of select="rss/channel/title | atom:feed/atom:title"/></h1>
          <p><xsl:value-of select="rss/channel/description | atom:feed/atom:subtitle"/></p>
          <ul class="feed-items">
            <xsl:for-each select="rss/channel/item">
              <li><a href="{link}"><xsl:value-of select="title"/></a>
                <xsl:text> </xsl:text><small><xsl:value-of select="dc:creator"/> · <xsl:value-of select="pubDate"/></small></li>
            </xsl:for-each>
            <xsl:for-each select="atom:feed/atom:entry">
              <li><a href="{atom:link[@rel='alternate']/@href}"><xsl:value-of select="atom:title"/></a>
                <xsl:text> </xsl:text><small><xsl:value-of select="atom:author/atom:name"/> · <xsl:value-of select="substring(atom:published, 1, 10)"/></small></li>
            </xsl:for-each>
          </ul>
        </main>
      </body>
    </html>
  </xsl:template>
</xsl:stylesheet>
