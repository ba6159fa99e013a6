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
                <xsl:text> </xsl:text><small><xsl:value-of select="dc:creator"/> · <xsl:call-template name="rfc822-korean"><xsl:with-param name="date" select="pubDate"/></xsl:call-template></small></li>
            </xsl:for-each>
            <xsl:for-each select="atom:feed/atom:entry">
              <li><a href="{atom:link[@rel='alternate']/@href}"><xsl:value-of select="atom:title"/></a>
                <xsl:text> </xsl:text><small><xsl:value-of select="atom:author/atom:name"/> · <xsl:call-template name="rfc3339-korean"><xsl:with-param name="date" select="atom:published"/></xsl:call-template></small></li>
            </xsl:for-each>
          </ul>
        </main>
      </body>
    </html>
  </xsl:template>

  <!-- Dates in Korean with XSLT 1.0 string functions (no Babel here). Our feeds write
       Asia/Seoul times (+0900 / +09:00), so the clock time is shown as written. -->
  <!-- RSS: "Wed, 26 Mar 2025 14:08:00 +0900" becomes "2025년 3월 26일 14:08". -->
  <xsl:template name="rfc822-korean">
    <xsl:param name="date"/>
    <xsl:variable name="rest" select="normalize-space(substring-after($date, ','))"/>
    <xsl:variable name="after-day" select="substring-after($rest, ' ')"/>
    <xsl:variable name="month-name" select="substring($after-day, 1, 3)"/>
    <xsl:variable name="after-month" select="substring-after($after-day, ' ')"/>
    <xsl:call-template name="korean-date">
      <xsl:with-param name="year" select="substring-before($after-month, ' ')"/>
      <xsl:with-param name="month"
        select="string-length(substring-before('JanFebMarAprMayJunJulAugSepOctNovDec', $month-name)) div 3 + 1"/>
      <xsl:with-param name="day" select="substring-before($rest, ' ')"/>
      <xsl:with-param name="time" select="substring(substring-after($after-month, ' '), 1, 5)"/>
    </xsl:call-template>
  </xsl:template>

  <!-- Atom: "2025-03-26T14:08:00+09:00" becomes "2025년 3월 26일 14:08". -->
  <xsl:template name="rfc3339-korean">
    <xsl:param name="date"/>
    <xsl:call-template name="korean-date">
      <xsl:with-param name="year" select="substring($date, 1, 4)"/>
      <xsl:with-param name="month" select="substring($date, 6, 2)"/>
      <xsl:with-param name="day" select="substring($date, 9, 2)"/>
      <xsl:with-param name="time" select="substring($date, 12, 5)"/>
    </xsl:call-template>
  </xsl:template>

  <xsl:template name="korean-date">
    <xsl:param name="year"/><xsl:param name="month"/><xsl:param name="day"/><xsl:param name="time"/>
    <xsl:value-of select="concat($year, '년 ', number($month), '월 ', number($day), '일 ', $time)"/>
  </xsl:template>
</xsl:stylesheet>
